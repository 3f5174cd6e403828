"""Admin API for brands and connected accounts. Credentials are write-only."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk import api_types

from .accounts import check_credentials, connect_refusal
from .models import Brand, BrandAccount
from .registry import platform_choices, supported_platforms
from .scope import brands_visible_to
from .services import brand_account_connect


class IsAdminOrReadOnlyAgent(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return bool(user.is_staff or hasattr(user, "agent_profile"))
        return bool(user.is_staff)


class BrandSerializer(api_types.ModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "name", "created_at"]
        read_only_fields = ["id", "created_at"]


class BrandAccountSerializer(api_types.ModelSerializer):
    credentials = serializers.DictField(write_only=True, required=False, default=dict)
    # The connector packages (channels.registry): the schema lists them, and anything else
    # is a 400 that names the known ones.
    platform = serializers.ChoiceField(
        choices=platform_choices(),
        error_messages={
            "invalid_choice": "Hovor has no connector for the platform '{input}'. Known platforms: "
            + ", ".join(supported_platforms())
            + "."
        },
    )

    class Meta:
        model = BrandAccount
        fields = [
            "id",
            "brand",
            "platform",
            "handle",
            "platform_user_id",
            "base_url",
            "credentials",
            "options",
            "status",
            "last_polled_at",
            "last_error",
            "created_at",
        ]
        read_only_fields = ["platform_user_id", "status", "last_polled_at", "last_error", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Keys as the connector declares them: a typo would otherwise be stored and ignored.
        errors = check_credentials(attrs["platform"], attrs.get("credentials") or {})
        if errors:
            raise serializers.ValidationError({"credentials": errors})
        refusal = connect_refusal(attrs["platform"], attrs.get("credentials") or {}, base_url=attrs.get("base_url", ""))
        if refusal:
            raise serializers.ValidationError({"credentials": [refusal]})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> BrandAccount:
        return brand_account_connect(
            brand=validated_data["brand"],
            platform=validated_data["platform"],
            handle=validated_data["handle"],
            base_url=validated_data.get("base_url", ""),
            credentials=validated_data.get("credentials") or {},
            options=validated_data.get("options") or {},
        )


class BrandViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAdminOrReadOnlyAgent]
    serializer_class = BrandSerializer
    queryset = Brand.objects.order_by("id")

    def get_queryset(self) -> QuerySet[Brand]:
        # An agent reads only the brands of their teams; another brand's id is a 404.
        return Brand.objects.filter(pk__in=brands_visible_to(self.request.user).values("pk")).order_by("id")


class BrandAccountViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsAdminOrReadOnlyAgent]
    serializer_class = BrandAccountSerializer

    def get_queryset(self) -> QuerySet[BrandAccount]:
        visible = brands_visible_to(self.request.user).values("pk")
        return BrandAccount.objects.filter(brand_id__in=visible).select_related("brand").order_by("id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = serializer.save()
        return Response(self.get_serializer(account).data, status=status.HTTP_201_CREATED)
