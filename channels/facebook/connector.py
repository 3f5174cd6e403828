"""The Facebook Page connector: Messenger messages and Page comments by webhook
(`object: "page"`), replies by the Send API and the comment edge. See doc.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from channels.base import Badge, ChannelLimits, CredentialField, MessageKind, OAuthApp, OAuthChoice, OAuthConnect
from channels.meta.login import MetaGrant, granted_pages
from channels.meta.page import MetaCredentials, MetaPageConnector, page_credentials, page_tasks, text_of

from . import parser
from .client import FacebookClient
from .limits import COMMENT_LIMITS, DM_ATTACHMENT_LIMITS, DM_LIMITS

if TYPE_CHECKING:
    from channels.models import BrandAccount

GRAPH_HOSTS = ("", "https://graph.facebook.com")

# Facebook Login permissions: list the admin's Pages and get their tokens, read and send
# Messenger messages, subscribe the Page to the app's webhooks, read and answer comments.
SCOPES = (
    "pages_show_list",
    "pages_messaging",
    "pages_read_engagement",
    "pages_manage_metadata",
    "pages_read_user_content",
    "pages_manage_engagement",
)
# Webhook fields Hovor uses (doc.md §3): messages and their echoes and delivery receipts,
# postbacks (stored and ignored), and the Page feed for comments.
WEBHOOK_FIELDS = ("messages", "message_echoes", "message_deliveries", "messaging_postbacks", "feed")


class FacebookConnector(MetaPageConnector):
    platform = "facebook"
    label = _("Facebook")
    badge = Badge(background="#e8eefc", color="#1d4ed8")
    credential_fields = (
        CredentialField("page_id", _("Page ID"), secret=False),
        CredentialField("page_access_token", _("Page access token")),
        CredentialField("app_secret", _("App secret"), _("Meta signs its webhooks with it (App settings → Basic).")),
        CredentialField(
            "verify_token", _("Webhook verify token (any random string you choose)"), shown_with_webhook=True
        ),
    )
    connects = OAuthConnect(
        _("Meta app ID"),
        _("Meta app secret"),
        choose_hint=_("You choose which Pages to connect; Hovor subscribes them to its webhook."),
        choose_heading=_("Which Pages should Hovor answer from?"),
    )
    webhooks = True
    kinds = (
        MessageKind("dm", _("direct message")),
        MessageKind("comment", _("comment")),
        MessageKind("comment_edit", _("edited comment")),
    )
    object_name = "page"
    parse_event = staticmethod(parser.parse)
    classify_change = staticmethod(parser.classify_change)
    oauth_scopes = SCOPES
    oauth_nothing_found = (
        "Meta shared no Page on which you can answer messages (the Page's MESSAGING task). On Facebook's "
        "consent page, pick the brand's Page; you need a role on it that includes messaging."
    )
    page_task = "MESSAGING"
    app_fields = WEBHOOK_FIELDS
    page_fields = WEBHOOK_FIELDS
    # Facebook's own lengths and client on the Page-style base (channels.meta.page).
    limits: ChannelLimits = DM_LIMITS
    comment_limits: ChannelLimits = COMMENT_LIMITS
    client_class = FacebookClient
    # Messenger files: uploaded (Attachment Upload API), then sent by attachment_id.
    dm_attachment_limits = DM_ATTACHMENT_LIMITS

    def oauth_accounts(self, app: OAuthApp, grant: MetaGrant) -> list[OAuthChoice]:
        """One choice per shared Page on which the admin can answer messages."""
        choices = []
        for page in granted_pages(app, grant, fields="id,name,access_token,tasks"):
            page_id, name, token = text_of(page, "id"), text_of(page, "name"), text_of(page, "access_token")
            if not (page_id and token) or self.page_task not in page_tasks(page):
                continue
            choices.append(
                OAuthChoice(
                    handle=name or page_id,
                    platform_user_id=page_id,
                    label=f"{name or page_id} (Facebook Page {page_id})",
                    credentials=page_credentials(app, page_id=page_id, page_access_token=token),
                    options={"app_id": app.client_id},
                )
            )
        return choices

    def permalink(self, account: BrandAccount, platform_id: str, author_handle: str = "") -> str:
        """Where an agent sees a comment on Facebook (comments only; a Messenger message has
        no public address; nothing for a fake or a proxy)."""
        if account.base_url.rstrip("/") not in GRAPH_HOSTS or ":" in platform_id:
            return ""
        post, _, comment = platform_id.partition("_")
        page_id = MetaCredentials.of(account).page_id
        if not (post.isdigit() and comment.isdigit() and page_id):
            return ""
        return f"https://www.facebook.com/{page_id}/posts/{post}?comment_id={comment}"


connector = FacebookConnector()
