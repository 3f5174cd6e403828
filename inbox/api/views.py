"""REST API: thin adapters over selectors and inbox actions."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ..actions.replies import ticket_reply
from ..actions.tickets import TicketActionError, ticket_assign, ticket_set_status
from ..models import Customer, Ticket
from ..permissions import access_ticket, is_agent
from ..search import SearchQuery, tickets_search
from ..selectors import agents_for_brand, customers_list, tickets_visible_to
from .pagination import KeysetPagination
from .serializers import (
    AssignInputSerializer,
    CustomerSerializer,
    MessageSerializer,
    ReplyInputSerializer,
    StatusInputSerializer,
    TicketDetailSerializer,
    TicketListSerializer,
)


def _agent(request: Request) -> User:
    user = request.user
    if not isinstance(user, User) or not is_agent(user):
        raise NotAuthenticated()
    return user


class IsAgent(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, User) and is_agent(request.user)


@extend_schema(
    parameters=[
        OpenApiParameter("status", str),
        OpenApiParameter("platform", str),
        OpenApiParameter("assignee", str, description="user id, or 'none'"),
        OpenApiParameter("brand", int),
        OpenApiParameter("language", str, description="ISO 639-1 code, e.g. cs"),
        OpenApiParameter("created_after", str, description="ISO 8601: only tickets created later"),
        OpenApiParameter("updated_after", str, description="ISO 8601: only tickets changed later (incremental sync)"),
        OpenApiParameter(
            "q", str, description="search: text, customer name, handle, email, phone or ticket number (#123); "
            "accent- and case-insensitive; ranked (ticket number, then person, then text; newest first)"
        ),
    ]
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAgent]
    serializer_class = TicketListSerializer
    pagination_class = KeysetPagination
    lookup_value_regex = r"\d+"  # anything else is a 404, never a 500

    def get_queryset(self) -> QuerySet[Ticket]:
        qs = (
            tickets_visible_to(user=_agent(self.request))
            .select_related("customer", "account")
            .prefetch_related("customer__identities")
            .defer("search_who", "search_text")
        )
        params = self.request.query_params
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("platform"):
            qs = qs.filter(account__platform=params["platform"])
        if params.get("language"):
            qs = qs.filter(language=params["language"].strip().lower())
        for name, lookup in (("created_after", "created_at__gt"), ("updated_after", "updated_at__gt")):
            if params.get(name):
                moment = parse_datetime(params[name])
                if moment is None:
                    raise ValidationError({name: ["An ISO 8601 date and time, e.g. 2026-11-23T09:00:00Z."]})
                qs = qs.filter(**{lookup: moment})
        if params.get("brand"):
            qs = qs.filter(brand_id=int(params["brand"]) if params["brand"].isdigit() else -1)
        if params.get("assignee"):
            value = params["assignee"]
            if value in ("none", "null"):
                qs = qs.filter(assignee__isnull=True)
            else:
                qs = qs.filter(assignee_id=int(value) if value.isdigit() else -1)
        search = SearchQuery.parse(params.get("q", ""))
        if search:
            return tickets_search(qs, search)  # ranked, then newest first
        return qs.order_by("-id")

    def retrieve(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        ticket = access_ticket(_agent(request), int(pk or 0))
        return Response(TicketDetailSerializer(ticket).data)

    @extend_schema(request=ReplyInputSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        ticket = access_ticket(_agent(request), int(pk or 0))
        data = ReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            message = ticket_reply(
                ticket=ticket,
                agent=_agent(request),
                text=data.validated_data["text"],
                client_token=data.validated_data.get("client_token") or None,
                then_status=data.validated_data["then_status"],
                mode=data.validated_data.get("mode", ""),
            )
        except TicketActionError as exc:
            raise ValidationError({"text": [str(exc)]}) from exc
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignInputSerializer, responses={200: TicketListSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        ticket = access_ticket(_agent(request), int(pk or 0))
        data = AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = None
        if data.validated_data["assignee"] is not None:
            assignee = agents_for_brand(brand_id=ticket.brand_id).filter(pk=data.validated_data["assignee"]).first()
            if assignee is None:
                raise ValidationError({"assignee": ["No such agent."]})
        ticket = ticket_assign(ticket=ticket, assignee=assignee, actor=_agent(request))
        return Response(TicketListSerializer(ticket).data)

    @extend_schema(request=StatusInputSerializer, responses={200: TicketListSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        ticket = access_ticket(_agent(request), int(pk or 0))
        data = StatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = ticket_set_status(ticket=ticket, status=data.validated_data["status"], actor=_agent(request))
        return Response(TicketListSerializer(ticket).data)


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAgent]
    lookup_value_regex = r"\d+"
    serializer_class = CustomerSerializer

    def get_queryset(self) -> QuerySet[Customer]:
        return customers_list(user=_agent(self.request))
