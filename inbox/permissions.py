from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from .enums import Role
from .models import Attachment, Customer, ReplyDraft, Team, Ticket
from .selectors import customers_visible_to, drafts_to_review, sees_every_brand, ticket_detail, tickets_visible_to

__all__ = [
    "access_attachment", "access_customer", "access_draft", "access_ticket", "can_review_drafts",
    "can_handle_customer_data", "can_manage_team", "is_admin", "is_agent",
    "is_lead",
]


def is_agent(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or hasattr(user, "agent_profile")))


def access_ticket(user: User | AnonymousUser, ticket_id: int) -> Ticket:
    """The ticket, with what its screen needs loaded, if this user may see it; else 404."""
    if not isinstance(user, User) or not is_agent(user):
        raise Http404("No such ticket")
    try:
        return ticket_detail(ticket_id=ticket_id, among=tickets_visible_to(user=user))
    except Ticket.DoesNotExist:
        raise Http404("No such ticket") from None


def access_attachment(user: User | AnonymousUser, attachment_id: int) -> Attachment:
    """A message's file, if this user may see its conversation; else 404 (as its ticket)."""
    if not isinstance(user, User) or not is_agent(user):
        raise Http404("No such file")
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None or not tickets_visible_to(user=user).filter(pk=attachment.message.ticket_id).exists():
        raise Http404("No such file")
    return attachment


def is_admin(user: User | AnonymousUser) -> bool:
    """Manages accounts, people and teams, and sees every brand."""
    return sees_every_brand(user)


def is_lead(user: User | AnonymousUser) -> bool:
    profile = getattr(user, "agent_profile", None) if user.is_authenticated else None
    return bool(user.is_active and profile is not None and profile.role == Role.LEAD)


def can_manage_team(user: User | AnonymousUser, team: Team) -> bool:
    """Admins manage every team; a lead the members of a team they are in."""
    if is_admin(user):
        return True
    return is_lead(user) and isinstance(user, User) and team.members.filter(pk=user.pk).exists()


def access_customer(user: User | AnonymousUser, customer_id: int) -> Customer:
    """The customer, if this user may see them (their teams' brands); else 404."""
    if not isinstance(user, User) or not is_agent(user):
        raise Http404("No such customer")
    customer = customers_visible_to(user=user).select_related("brand").filter(pk=customer_id).first()
    if customer is None:
        raise Http404("No such customer")
    return customer


def can_handle_customer_data(user: User | AnonymousUser) -> bool:
    """Export and erase a customer's data (GDPR): admins, and leads for their teams' brands
    (access_customer scopes the customer). Agents and newcomers may not."""
    return is_admin(user) or is_lead(user)


def can_review_drafts(user: User | AnonymousUser) -> bool:
    """Leads (their teams' brands) and admins (every brand) decide newcomers' drafts."""
    return is_admin(user) or is_lead(user)


def access_draft(user: User | AnonymousUser, draft_id: int) -> ReplyDraft:
    """A waiting draft this user may approve or return (drafts_to_review scopes it); else 404."""
    if not isinstance(user, User) or not can_review_drafts(user):
        raise Http404("No such draft")
    draft = drafts_to_review(user=user).filter(pk=draft_id).first()
    if draft is None:
        raise Http404("No such draft")
    return draft
