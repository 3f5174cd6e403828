"""REST API: thin adapters over selectors and inbox actions."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ..actions.customers import CustomerChanges, customer_update
from ..actions.drafts import draft_create
from ..actions.notes import ticket_note_add
from ..actions.privacy import customer_erase, customer_export
from ..actions.replies import RepliedSince, is_newcomer, ticket_reply
from ..actions.tickets import TicketActionError, ticket_assign, ticket_set_status
from ..actions.triage import (
    OutOfScope,
    TriageError,
    ticket_priority_change,
    ticket_snooze,
    ticket_tags_set,
    ticket_team_change,
    ticket_unsnooze,
)
from ..enums import SlaState, TicketPriority
from ..models import Customer, Team, Ticket
from ..permissions import access_customer, access_customer_profile, access_ticket, can_handle_customer_data
from ..search import SearchQuery, tickets_search
from ..selectors import INBOX_VIEWS, InboxFilters, agents_for_brand, customers_list, in_view, tickets_visible_to
from .access import IsAgent, api_agent
from .pagination import KeysetPagination
from .serializers import (
    AssignInputSerializer,
    CustomerSerializer,
    CustomerUpdateSerializer,
    ErasedSerializer,
    MessageSerializer,
    NoteInputSerializer,
    RepliedSinceSerializer,
    ReplyInputSerializer,
    StatusInputSerializer,
    TicketDetailSerializer,
    TicketListSerializer,
    TicketTriageInputSerializer,
)


@extend_schema(
    parameters=[
        OpenApiParameter("status", str),
        OpenApiParameter("platform", str),
        OpenApiParameter("assignee", str, description="user id, or 'none'"),
        OpenApiParameter("brand", int),
        OpenApiParameter("language", str, description="ISO 639-1 code, e.g. cs"),
        OpenApiParameter("sentiment", str, description="negative, neutral or positive (the latest customer message)"),
        OpenApiParameter("created_after", str, description="ISO 8601: only tickets created later"),
        OpenApiParameter("updated_after", str, description="ISO 8601: only tickets changed later (incremental sync)"),
        OpenApiParameter("tag", str, description="a tag's name (case-insensitive)"),
        OpenApiParameter("priority", str, enum=TicketPriority.values),
        OpenApiParameter(
            "sla", str, enum=SlaState.values,
            description="the running reply clock (first or next response): overdue, due within 15 min, or on track",
        ),
        OpenApiParameter("view", str, enum=list(INBOX_VIEWS), description="an inbox view, as the agent's nav has it"),
        OpenApiParameter("team", str, description="team id, or 'none'"),
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
    search: tuple[QuerySet[Ticket], SearchQuery] | None = None  # set by get_queryset for `q`

    def get_queryset(self) -> QuerySet[Ticket]:
        qs = (
            tickets_visible_to(user=api_agent(self.request))
            .select_related("customer", "account", "csat")
            .prefetch_related("customer__identities", "customer__tags")
            .defer("search_who", "search_text")
        )
        params = self.request.query_params
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("platform"):
            qs = qs.filter(account__platform=params["platform"])
        if params.get("language"):
            qs = qs.filter(language=params["language"].strip().lower())
        if params.get("sentiment"):
            qs = qs.filter(sentiment=params["sentiment"].strip().lower())
        for name, lookup in (("created_after", "created_at__gt"), ("updated_after", "updated_at__gt")):
            if params.get(name):
                moment = parse_datetime(params[name])
                if moment is None:
                    raise ValidationError({name: ["An ISO 8601 date and time, e.g. 2026-11-23T09:00:00Z."]})
                qs = qs.filter(**{lookup: moment})
        if "brand" in params:
            brand = params["brand"]
            if not (brand.isascii() and brand.isdigit()) or len(params.getlist("brand")) > 1:
                raise ValidationError({"brand": ["A brand id (a whole number), given once."]})
            qs = qs.filter(brand_id=int(brand))
        if params.get("assignee"):
            value = params["assignee"]
            if value in ("none", "null"):
                qs = qs.filter(assignee__isnull=True)
            else:
                qs = qs.filter(assignee_id=int(value) if value.isdigit() else -1)
        qs = self._triage_filters(qs, params)
        search = SearchQuery.parse(params.get("q", ""))
        if search:
            # Ranked, then newest first; the pagination reads it rank by rank (search_page).
            self.search = (qs, search)
            return tickets_search(qs, search)
        return qs.order_by("-id")

    def _triage_filters(self, qs: QuerySet[Ticket], params: Any) -> QuerySet[Ticket]:
        """tag, priority, sla, team and view: composed onto the queryset like the others."""
        triage = InboxFilters.triage_from_query(params)
        for name in ("priority", "sla"):  # named but empty or unknown: refused, as the schema's enum says
            if name in params and not triage[name]:
                raise ValidationError({name: [f"One of {', '.join(self._choices[name])}."]})
        qs = InboxFilters(tag=triage["tag"], priority=triage["priority"], sla=triage["sla"]).apply(qs)
        qs = qs.prefetch_related("tags")
        if params.get("team"):
            value = params["team"]
            if value in ("none", "null"):
                qs = qs.filter(team__isnull=True)
            else:
                qs = qs.filter(team_id=int(value) if value.isdigit() else -1)
        if "view" in params:
            if params["view"] not in INBOX_VIEWS:
                raise ValidationError({"view": [f"One of {', '.join(INBOX_VIEWS)}."]})
            qs = in_view(qs, view=params["view"], agent=api_agent(self.request))
        return qs

    _choices = {"priority": TicketPriority.values, "sla": SlaState.values}

    @extend_schema(request=TicketTriageInputSerializer, responses={200: TicketListSerializer})
    def partial_update(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        """Tags (the whole list), priority, snoozed_until (null ends a snooze) and team, each
        through its triage action, so each change is in the ticket's timeline."""
        agent = api_agent(request)
        ticket = access_ticket(agent, int(pk or 0))
        data = TicketTriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            with transaction.atomic():
                if "tags" in values:
                    ticket_tags_set(ticket=ticket, actor=agent, names=values["tags"])
                if "priority" in values:
                    ticket_priority_change(ticket=ticket, priority=values["priority"], actor=agent)
                if "snoozed_until" in values:
                    if values["snoozed_until"] is None:
                        ticket_unsnooze(ticket=ticket, actor=agent)
                    else:
                        ticket_snooze(ticket=ticket, until=values["snoozed_until"], actor=agent)
                if "team" in values:
                    team = None
                    if values["team"] is not None:
                        team = Team.objects.filter(pk=values["team"]).first()
                        if team is None:
                            raise ValidationError({"team": ["No such team."]})
                    ticket_team_change(ticket=ticket, team=team, actor=agent)
        except OutOfScope as exc:
            raise Http404("No such ticket") from exc
        except TriageError as exc:
            raise ValidationError({"detail": [str(exc)]}) from exc
        fresh = self.get_queryset().get(pk=ticket.pk)
        return Response(TicketListSerializer(fresh).data)

    def retrieve(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        ticket = access_ticket(api_agent(request), int(pk or 0))
        return Response(TicketDetailSerializer(ticket).data)

    @extend_schema(request=ReplyInputSerializer, responses={201: MessageSerializer, 409: RepliedSinceSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        ticket = access_ticket(api_agent(request), int(pk or 0))
        data = ReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if is_newcomer(api_agent(request)):
            return self._draft(ticket=ticket, request=request, values=data.validated_data)
        try:
            message = ticket_reply(
                ticket=ticket,
                agent=api_agent(request),
                text=data.validated_data["text"],
                client_token=data.validated_data.get("client_token") or None,
                then_status=data.validated_data["then_status"],
                mode=data.validated_data.get("mode", ""),
                seen_message_id=data.validated_data.get("seen_message_id"),
            )
        except RepliedSince as exc:
            body = {"detail": str(exc), "message": MessageSerializer(exc.message).data}
            return Response(body, status=status.HTTP_409_CONFLICT)
        except TicketActionError as exc:
            raise ValidationError({"text": [str(exc)]}) from exc
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    def _draft(self, *, ticket: Ticket, request: Request, values: dict[str, Any]) -> Response:
        """A newcomer's reply is a draft for a lead: 202, nothing sent."""
        try:
            draft = draft_create(
                ticket=ticket, author=api_agent(request), text=values["text"], mode=values.get("mode", ""),
                then_status=values["then_status"],
            )
        except TicketActionError as exc:
            raise ValidationError({"text": [str(exc)]}) from exc
        body = {"draft": draft.pk, "status": draft.status, "ticket": ticket.pk}
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=NoteInputSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        ticket = access_ticket(api_agent(request), int(pk or 0))
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            note = ticket_note_add(ticket=ticket, author=api_agent(request), text=data.validated_data["text"])
        except TicketActionError as exc:
            raise ValidationError({"text": [str(exc)]}) from exc
        return Response(MessageSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignInputSerializer, responses={200: TicketListSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        ticket = access_ticket(api_agent(request), int(pk or 0))
        data = AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = None
        if data.validated_data["assignee"] is not None:
            assignee = agents_for_brand(brand_id=ticket.brand_id).filter(pk=data.validated_data["assignee"]).first()
            if assignee is None:
                raise ValidationError({"assignee": ["No such agent."]})
        ticket = ticket_assign(
            ticket=ticket, assignee=assignee, actor=api_agent(request), reason=data.validated_data["reason"]
        )
        return Response(TicketListSerializer(ticket).data)

    @extend_schema(request=StatusInputSerializer, responses={200: TicketListSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        ticket = access_ticket(api_agent(request), int(pk or 0))
        data = StatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = ticket_set_status(ticket=ticket, status=data.validated_data["status"], actor=api_agent(request))
        return Response(TicketListSerializer(ticket).data)


class ZipRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/zip`; errors still come as JSON."""

    media_type = "application/zip"
    format = "zip"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAgent]
    lookup_value_regex = r"\d+"
    serializer_class = CustomerSerializer

    def get_queryset(self) -> QuerySet[Customer]:
        return customers_list(user=api_agent(self.request))

    @extend_schema(
        request=CustomerUpdateSerializer, responses={200: CustomerSerializer},
        description="Edit the customer's profile: name, email, phone, language, notes and tags (the fields sent; "
        "tags replace the list). The change is in the activity of each of their conversations.",
    )
    def partial_update(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        agent = api_agent(request)
        customer = access_customer_profile(agent, int(pk or 0))  # another brand's: 404
        data = CustomerUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        current = {key: getattr(customer, key) for key in ("name", "email", "phone", "language", "notes")}
        current.update({key: values[key] for key in current if key in values})
        tags = values["tags"] if "tags" in values else list(customer.tags.values_list("name", flat=True))
        try:
            customer_update(customer=customer, changes=CustomerChanges(**current, tags=tuple(tags)), actor=agent)
        except TicketActionError as exc:
            raise ValidationError({"detail": [str(exc)]}) from exc
        return Response(CustomerSerializer(self.get_queryset().get(pk=customer.pk)).data)

    def _for_privacy(self, request: Request, pk: str | None) -> Customer:
        customer = access_customer(api_agent(request), int(pk or 0))  # another brand's: 404
        if not can_handle_customer_data(request.user):
            raise PermissionDenied("Admins and leads only.")
        return customer

    @extend_schema(responses={(200, "application/zip"): bytes},
                   description="Everything Hovor holds about the customer (GDPR): customer.json, raw/, files/.")
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, ZipRenderer])
    def export(self, request: Request, pk: str | None = None, **kwargs: Any) -> HttpResponse:
        export = customer_export(customer=self._for_privacy(request, pk))
        response = HttpResponse(export.content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=None, responses={200: ErasedSerializer},
                   description="Erase the customer (GDPR): names, identities, messages' text and attachments.")
    @action(detail=True, methods=["post"])
    def erase(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        erased = customer_erase(customer=self._for_privacy(request, pk))
        return Response(ErasedSerializer(asdict(erased)).data)
