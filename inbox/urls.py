from django.urls import path

from .views import agent, chat, people, triage

app_name = "inbox"
urlpatterns = [
    path("", agent.inbox, name="inbox"),
    path("inbox/list/", agent.inbox_list, name="inbox_list"),
    path("tickets/<int:ticket_id>/", agent.ticket_view, name="ticket"),
    path("tickets/<int:ticket_id>/messages/", agent.ticket_messages, name="ticket_messages"),
    path("tickets/<int:ticket_id>/reply/", agent.ticket_reply_view, name="ticket_reply"),
    path("tickets/<int:ticket_id>/reply/preview/", agent.reply_preview, name="reply_preview"),
    path("tickets/<int:ticket_id>/assign/", agent.ticket_assign_view, name="ticket_assign"),
    path("tickets/<int:ticket_id>/status/", agent.ticket_status_view, name="ticket_status"),
    path("messages/<int:message_id>/retry/", agent.reply_retry_view, name="reply_retry"),
    path("tickets/<int:ticket_id>/merge-customer/", agent.customer_merge_view, name="customer_merge"),
    path("tickets/<int:ticket_id>/priority/", triage.ticket_priority_view, name="ticket_priority"),
    path("tickets/<int:ticket_id>/tags/", triage.ticket_tags_view, name="ticket_tags"),
    path("tickets/<int:ticket_id>/snooze/", triage.ticket_snooze_view, name="ticket_snooze"),
    path("tickets/<int:ticket_id>/unsnooze/", triage.ticket_unsnooze_view, name="ticket_unsnooze"),
    path("tickets/<int:ticket_id>/team/", triage.ticket_team_view, name="ticket_team"),
    path("tickets/bulk/", triage.tickets_bulk_view, name="tickets_bulk"),
    path("views/saved/", triage.saved_view_new_view, name="saved_view_new"),
    path("views/saved/<int:view_id>/delete/", triage.saved_view_delete_view, name="saved_view_delete"),
    path("settings/tags/", triage.tags_page, name="tags"),
    path("settings/tags/new/", triage.tag_new_view, name="tag_new"),
    path("settings/tags/<int:tag_id>/", triage.tag_rename_view, name="tag_rename"),
    path("settings/tags/<int:tag_id>/delete/", triage.tag_delete_view, name="tag_delete"),
    path("chat/agent/typing/<int:ticket_id>/", chat.agent_typing_view, name="chat_agent_typing"),
    path("chat/agent/presence/", chat.agent_presence_view, name="chat_agent_presence"),
    path("settings/teams/", people.teams_page, name="teams"),
    path("settings/teams/new/", people.team_new_view, name="team_new"),
    path("settings/teams/<int:team_id>/", people.team_save_view, name="team_save"),
    path("settings/teams/people/<int:user_id>/role/", people.person_role_view, name="person_role"),
]
