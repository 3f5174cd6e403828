"""Canned responses over the API: the token user's brands' shared ones and their own. Anyone
working a brand keeps personal ones; shared ones (`"shared": true`) are kept by admins and
the brand's leads. Writes go through inbox/actions/canned.py, as the page's do."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk import api_types

from ..actions.canned import (
    CannedError,
    CannedOutOfScope,
    canned_response_create,
    canned_response_delete,
    canned_response_update,
)
from ..models import CannedLanguage, CannedResponse
from ..permissions import access_brand, can_edit_canned
from ..selectors import canned_visible_to
from .access import IsAgent, api_agent


class CannedVariantSerializer(api_types.Serializer):
    language = serializers.ChoiceField(choices=CannedLanguage.choices)
    body = serializers.CharField(max_length=5000)


class CannedResponseSerializer(api_types.Serializer):
    id = serializers.IntegerField(read_only=True)
    brand = serializers.IntegerField(source="brand_id")
    shared = serializers.BooleanField(default=False, help_text="true: every agent of the brand's teams uses it")
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    shortcut = serializers.CharField(max_length=41, help_text="typed as /shortcut in the composer, e.g. refund")
    title = serializers.CharField(max_length=120)
    variants = CannedVariantSerializer(many=True, help_text="the text per language (en, cs, pl, bg)")
    use_count = serializers.IntegerField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: CannedResponse) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["shared"] = instance.owner_id is None
        return data


class CannedResponseUpdateSerializer(api_types.Serializer):
    shortcut = serializers.CharField(max_length=41, required=False)
    title = serializers.CharField(max_length=120, required=False)
    variants = CannedVariantSerializer(
        many=True, required=False, help_text="the whole set: a language left out is removed"
    )


def _texts(variants: list[dict[str, str]]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for item in variants:
        if item["language"] in texts:
            raise ValidationError({"variants": [f"{item['language']} is given twice."]})
        texts[item["language"]] = item["body"]
    return texts



class CannedResponseViewSet(viewsets.GenericViewSet):
    """Canned responses: list, create, retrieve, change (PATCH) and delete. Another brand's,
    and a colleague's personal ones, are 404."""

    permission_classes = [IsAgent]
    serializer_class = CannedResponseSerializer
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[CannedResponse]:
        return canned_visible_to(user=api_agent(self.request))

    def _editable(self, request: Request) -> CannedResponse:
        canned = self.get_object()
        if not can_edit_canned(request.user, canned):
            raise PermissionDenied("Only leads and admins change shared canned responses.")
        return canned

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        if page is not None:
            return self.get_paginated_response(CannedResponseSerializer(page, many=True).data)
        return Response(CannedResponseSerializer(self.get_queryset(), many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(CannedResponseSerializer(self.get_object()).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agent = api_agent(request)
        data = CannedResponseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            brand = access_brand(agent, values["brand_id"])
        except Http404 as exc:
            raise ValidationError({"brand": ["No such brand."]}) from exc
        try:
            canned = canned_response_create(
                actor=agent, brand=brand, shortcut=values["shortcut"], title=values["title"],
                variants=_texts(values["variants"]), shared=values["shared"],
            )
        except CannedOutOfScope as exc:
            raise ValidationError({"brand": ["No such brand."]}) from exc
        except CannedError as exc:
            raise ValidationError({"detail": [str(exc)]}) from exc
        return Response(CannedResponseSerializer(self.get_queryset().get(pk=canned.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=CannedResponseUpdateSerializer, responses={200: CannedResponseSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        canned = self._editable(request)
        data = CannedResponseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            canned_response_update(
                canned=canned, actor=api_agent(request), shortcut=values.get("shortcut"), title=values.get("title"),
                variants=_texts(values["variants"]) if "variants" in values else None,
            )
        except CannedOutOfScope as exc:
            raise NotFound() from exc
        except CannedError as exc:
            raise ValidationError({"detail": [str(exc)]}) from exc
        return Response(CannedResponseSerializer(self.get_queryset().get(pk=canned.pk)).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        canned = self._editable(request)
        try:
            canned_response_delete(canned=canned, actor=api_agent(request))
        except CannedOutOfScope as exc:
            raise NotFound() from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
