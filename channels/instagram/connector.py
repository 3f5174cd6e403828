"""The Instagram connector (Messenger API for Instagram, through the connected Page): DMs
and comments by webhook (`object: "instagram"`), replies by the Page's Send API and the
IG comment `replies` edge. See doc.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from channels.base import Badge, ChannelLimits, CredentialField, MessageKind, OAuthApp, OAuthChoice, OAuthConnect
from channels.http import ApiPermanentError
from channels.meta.login import MetaGrant, granted_pages
from channels.meta.page import MetaCredentials, MetaPageConnector, page_credentials, page_tasks, text_of

from . import parser
from .client import InstagramClient
from .limits import COMMENT_LIMITS, DM_ATTACHMENT_LIMITS, DM_LIMITS

if TYPE_CHECKING:
    from channels.models import BrandAccount

# Facebook Login permissions for an Instagram professional account connected to a Page:
# its profile, DMs and comments, the Pages (and their tokens) it is reached through, and
# subscribing that Page; pages_read_engagement and business_management matter when the
# admin's role on the Page comes through a business portfolio.
SCOPES = (
    "instagram_basic",
    "instagram_manage_messages",
    "instagram_manage_comments",
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_metadata",
    "business_management",
)
# The app's `instagram` webhook fields Hovor uses (DMs with their echoes, reads, postbacks,
# comments). The Page must be subscribed to the app too, to any Page field (Meta's example:
# feed) for Instagram webhooks to flow.
WEBHOOK_FIELDS = ("messages", "messaging_seen", "messaging_postbacks", "comments")
PAGE_FIELDS = ("feed",)
PAGE_FIELDS_QUERY = "id,name,access_token,tasks,instagram_business_account{id,username}"


class InstagramConnector(MetaPageConnector):
    platform = "instagram"
    label = _("Instagram")
    badge = Badge(background="#fdebf3", color="#b4236b")
    credential_fields = (
        CredentialField("page_id", _("Facebook Page ID linked to the Instagram account"), secret=False),
        CredentialField("page_access_token", _("Page access token")),
        CredentialField("app_secret", _("App secret"), _("Meta signs its webhooks with it (App settings → Basic).")),
        CredentialField(
            "verify_token", _("Webhook verify token (any random string you choose)"), shown_with_webhook=True
        ),
        CredentialField(
            "ig_user_id",
            _("Instagram account ID"),
            _("Found by “Test connection” when left empty."),
            secret=False,
            required=False,
        ),
    )
    connects = OAuthConnect(
        _("Meta app ID"),
        _("Meta app secret"),
        choose_hint=_("You choose which Instagram accounts to connect; Hovor subscribes them to its webhook."),
        choose_heading=_("Which Instagram accounts should Hovor answer from?"),
    )
    webhooks = True
    kinds = (
        MessageKind("dm", _("direct message")),
        MessageKind("comment", _("comment")),
    )
    limits: ChannelLimits = DM_LIMITS
    object_name = "instagram"
    comment_limits: ChannelLimits = COMMENT_LIMITS
    client_class = InstagramClient
    # Instagram DM files: sent by URL (Hovor's signed link), which Instagram fetches.
    dm_attachment_limits = DM_ATTACHMENT_LIMITS
    files_by_url = True
    parse_event = staticmethod(parser.parse)
    classify_change = staticmethod(parser.classify_change)
    oauth_scopes = SCOPES
    oauth_nothing_found = (
        "None of the Pages Meta shared has an Instagram professional account connected that you can moderate "
        "(the Page's MODERATE task). Connect the Instagram account to the brand's Facebook Page, then pick that "
        "Page on Facebook's consent page."
    )
    # Meta: the admin must be able to perform MODERATE on the Page the account is connected to.
    page_task = "MODERATE"
    app_fields = WEBHOOK_FIELDS
    page_fields = PAGE_FIELDS

    def oauth_accounts(self, app: OAuthApp, grant: MetaGrant) -> list[OAuthChoice]:
        """One choice per Instagram professional account connected to a shared Page."""
        choices = []
        for page in granted_pages(app, grant, fields=PAGE_FIELDS_QUERY):
            ig: Any = page.get("instagram_business_account")
            page_id, name, token = text_of(page, "id"), text_of(page, "name"), text_of(page, "access_token")
            ig_id = text_of(ig, "id") if isinstance(ig, dict) else ""
            if not (page_id and token and ig_id) or self.page_task not in page_tasks(page):
                continue
            username = text_of(ig, "username")
            handle = f"@{username}" if username else ig_id
            choices.append(
                OAuthChoice(
                    handle=handle,
                    platform_user_id=ig_id,
                    label=f"{handle} (Instagram, through the Facebook Page {name or page_id})",
                    credentials={
                        **page_credentials(app, page_id=page_id, page_access_token=token),
                        "ig_user_id": ig_id,
                    },
                    options={"app_id": app.client_id, "page_name": name},
                )
            )
        return choices

    def test_connection(self, account: BrandAccount) -> dict[str, str]:
        """The Instagram account the Page's token reaches, and the Page."""
        page_id = MetaCredentials.of(account).page_id
        page = self.client_for(account).graph.get(
            page_id, {"fields": "id,name,instagram_business_account{id,username}"}
        )
        ig = page.get("instagram_business_account")
        if not isinstance(ig, dict) or not text_of(ig, "id"):
            raise ApiPermanentError(f"The Page {page_id} has no Instagram professional account connected.")
        username = text_of(ig, "username")
        return {
            "id": text_of(ig, "id"),
            "name": f"@{username}" if username else text_of(ig, "id"),
            "page": text_of(page, "name"),
        }


connector = InstagramConnector()
