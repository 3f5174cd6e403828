from django.urls import path

from .views import agent, chat, live, people, privacy

app_name = "inbox"
urlpatterns = [
    path("", agent.inbox, name="inbox"),
    path("inbox/list/", agent.inbox_list, name="inbox_list"),
    path("inbox/pulse/", live.inbox_pulse, name="inbox_pulse"),
    path("tickets/<int:ticket_id>/pulse/", live.ticket_pulse, name="ticket_pulse"),
    path("tickets/<int:ticket_id>/presence/", live.ticket_presence, name="ticket_presence"),
    path("tickets/<int:ticket_id>/", agent.ticket_view, name="ticket"),
    path("tickets/<int:ticket_id>/messages/", agent.ticket_messages, name="ticket_messages"),
    path("tickets/<int:ticket_id>/reply/", agent.ticket_reply_view, name="ticket_reply"),
    path("tickets/<int:ticket_id>/reply/preview/", agent.reply_preview, name="reply_preview"),
    path("tickets/<int:ticket_id>/assign/", agent.ticket_assign_view, name="ticket_assign"),
    path("tickets/<int:ticket_id>/status/", agent.ticket_status_view, name="ticket_status"),
    path("messages/<int:message_id>/retry/", agent.reply_retry_view, name="reply_retry"),
    path("tickets/<int:ticket_id>/merge-customer/", agent.customer_merge_view, name="customer_merge"),
    path("chat/agent/typing/<int:ticket_id>/", chat.agent_typing_view, name="chat_agent_typing"),
    path("chat/agent/presence/", chat.agent_presence_view, name="chat_agent_presence"),
    path("settings/teams/", people.teams_page, name="teams"),
    path("settings/teams/new/", people.team_new_view, name="team_new"),
    path("settings/teams/<int:team_id>/", people.team_save_view, name="team_save"),
    path("settings/teams/people/<int:user_id>/role/", people.person_role_view, name="person_role"),
    path("customers/<int:customer_id>/export/", privacy.customer_export_view, name="customer_export"),
    path("customers/<int:customer_id>/erase/", privacy.customer_erase_view, name="customer_erase"),
    path("settings/privacy/", privacy.privacy_page, name="privacy"),
    path("settings/privacy/<int:brand_id>/", privacy.retention_save_view, name="retention_save"),
]
