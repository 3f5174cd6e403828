"""People and teams over the API (DESIGN.md): admins create and change both; a lead may
change the members of a team they are in, and nothing else; anyone else gets 403."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from channels.models import Brand
from helpdesk import api_types

from ..actions.people import (
    PeopleError,
    agent_create,
    agent_set_role,
    agent_update,
    team_create,
    team_members_set,
    team_update,
)
from ..enums import Role
from ..models import Team
from ..permissions import can_manage_team, is_admin, is_lead


class AgentSerializer(api_types.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    display_name = serializers.CharField(max_length=200, source="agent_profile.display_name", required=False)
    role = serializers.ChoiceField(choices=Role.choices, source="agent_profile.role", default=Role.AGENT)
    signature = serializers.CharField(
        max_length=60, source="agent_profile.signature", required=False, allow_blank=True, default=""
    )
    teams = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_teams(self, obj: User) -> list[int]:
        return [team.pk for team in obj.teams.all()]


class AgentUpdateSerializer(api_types.Serializer):
    display_name = serializers.CharField(max_length=200, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    signature = serializers.CharField(max_length=60, required=False, allow_blank=True)


class TeamSerializer(api_types.ModelSerializer):
    brands = serializers.PrimaryKeyRelatedField(many=True, queryset=Brand.objects.all(), required=False)
    members = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.filter(agent_profile__isnull=False), required=False
    )

    class Meta:
        model = Team
        fields = ["id", "name", "brands", "members", "created_at"]
        read_only_fields = ["id", "created_at"]
        # Uniqueness is the action's to check (case-insensitively), with its own message.
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}


class IsAdmin(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return is_admin(request.user)


class IsAdminOrLead(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return is_admin(request.user) or is_lead(request.user)


class AgentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """People who work the inbox (users with an agent profile). `id` is the user's id, the
    one teams' `members` and tickets' `assignee` use."""

    permission_classes = [IsAdmin]
    serializer_class = AgentSerializer
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[User]:
        return (
            User.objects.filter(agent_profile__isnull=False)
            .select_related("agent_profile")
            .prefetch_related("teams")
            .order_by("id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = AgentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = data.validated_data.get("agent_profile", {})
        try:
            user = agent_create(
                username=data.validated_data["username"],
                password=data.validated_data["password"],
                display_name=profile.get("display_name", ""),
                role=profile.get("role", Role.AGENT),
                signature=profile.get("signature", ""),
            )
        except DjangoValidationError as exc:
            raise ValidationError({"password": list(exc.messages)}) from exc
        except PeopleError as exc:
            raise ValidationError({"username": [str(exc)]}) from exc
        return Response(AgentSerializer(self.get_queryset().get(pk=user.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AgentUpdateSerializer, responses={200: AgentSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self.get_object()
        data = AgentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        agent_update(user=user, display_name=values.get("display_name"), signature=values.get("signature"))
        if "role" in values:
            agent_set_role(user=user, role=values["role"])
        return Response(AgentSerializer(self.get_queryset().get(pk=user.pk)).data)


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAdminOrLead]
    serializer_class = TeamSerializer
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Team]:
        qs = Team.objects.prefetch_related("brands", "members").order_by("name", "id")
        user = self.request.user
        return qs if is_admin(user) else qs.filter(members=user.pk)  # a lead: their own teams

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not is_admin(request.user):
            raise PermissionDenied("Only admins create teams.")
        data = TeamSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            team = team_create(
                name=data.validated_data["name"],
                brands=data.validated_data.get("brands", []),
                members=data.validated_data.get("members", []),
            )
        except PeopleError as exc:
            raise ValidationError({"name": [str(exc)]}) from exc
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = self.get_object()
        if not can_manage_team(request.user, team):
            raise PermissionDenied("You do not manage this team.")
        data = TeamSerializer(team, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not is_admin(request.user) and set(values) - {"members"}:
            raise PermissionDenied("Leads change their teams' members only.")
        try:
            if "name" in values or "brands" in values:
                team = team_update(team=team, name=values.get("name"), brands=values.get("brands"))
        except PeopleError as exc:
            raise ValidationError({"name": [str(exc)]}) from exc
        if "members" in values:
            team = team_members_set(team=team, members=values["members"])
        team = self.get_queryset().get(pk=team.pk)
        return Response(TeamSerializer(team).data)
