from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from channels.models import Brand

from .enums import Role
from .models import Attachment, CannedResponse, Customer, ReplyDraft, Team, Ticket
from .selectors import (
    brands_visible_to,
    canned_visible_to,
    customer_profiles_visible_to,
    customers_visible_to,
    drafts_to_review,
    sees_every_brand,
    ticket_detail,
    tickets_visible_to,
)

__all__ = [
    "access_admin", "access_attachment", "access_brand", "access_canned", "access_customer", "access_customer_profile",
    "access_draft", "access_ticket",
    "can_edit_canned", "can_review_drafts", "can_share_canned",
    "access_agent", "can_handle_customer_data", "can_manage_team", "is_admin", "is_agent",
    "is_lead",
]


def is_agent(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or hasattr(user, "agent_profile")))


def access_agent(user: User | AnonymousUser) -> User:
    """The user, if they work the inbox (any role); anyone else gets a 404: agent pages do
    not exist for them."""
    if not isinstance(user, User) or not is_agent(user):
        raise Http404("Not an agent")
    return user


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


def access_customer_profile(user: User | AnonymousUser, customer_id: int) -> Customer:
    """The customer's profile, if they have a conversation this user may see; else 404."""
    if not isinstance(user, User) or not is_agent(user):
        raise Http404("No such customer")
    customer = customer_profiles_visible_to(user=user).select_related("brand").filter(pk=customer_id).first()
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


def can_share_canned(user: User | AnonymousUser, brand: Brand) -> bool:
    """Shared canned responses (every agent of the brand's teams uses them) are kept by
    admins, and by leads for their teams' brands; anyone else keeps only their own."""
    if is_admin(user):
        return True
    return is_lead(user) and brands_visible_to(user=user).filter(pk=brand.pk).exists()


def can_edit_canned(user: User | AnonymousUser, canned: CannedResponse) -> bool:
    """One's own personal ones; shared ones as can_share_canned says."""
    if not isinstance(user, User) or not is_agent(user):
        return False
    if canned.owner_id is not None:
        return canned.owner_id == user.pk
    return can_share_canned(user, canned.brand)


def access_canned(user: User | AnonymousUser, canned_id: int) -> CannedResponse:
    """A canned response this user sees (their brands' shared ones, their own); else 404."""
    if not isinstance(user, User) or not is_agent(user):
        raise Http404("No such canned response")
    canned = canned_visible_to(user=user).filter(pk=canned_id).first()
    if canned is None:
        raise Http404("No such canned response")
    return canned


def access_brand(user: User | AnonymousUser, brand_id: int) -> Brand:
    """A brand this agent works for (admins: any); else 404."""
    if not isinstance(user, User) or not is_agent(user):
        raise Http404("No such brand")
    brand = brands_visible_to(user=user).filter(pk=brand_id).first()
    if brand is None:
        raise Http404("No such brand")
    return brand


def access_admin(user: User | AnonymousUser) -> User:
    """The admin-only settings pages (tags, SLA, replies, privacy): anyone else gets 404."""
    if not isinstance(user, User) or not is_admin(user):
        raise Http404("Admins only")
    return user
