"""What the inbox tells the rest of Hovor (the audit log) without importing it. Each is
sent inside the change's transaction, after its rows are written; the person acting is the
request's (the receivers read it), or Hovor itself in a task."""

from django.dispatch import Signal

# People and teams. Arguments: target (User or Team), change ("agent_created",
# "role_changed", "team_created", "team_changed", "team_members_changed"), details (dict).
people_changed = Signal()

# A customer's data left Hovor or was erased. Arguments: customer (Customer), change
# ("exported" or "erased"), details (dict of counts; never the customer's name or text).
customer_data_handled = Signal()

# Privacy settings and their effect. Arguments: brand (Brand), change ("retention_changed"
# or "retention_applied"), details (dict: old/new days, counts erased).
retention_changed = Signal()

# New or reopened conversations wait to be routed (inbox.actions.assignment.tickets_route).
# Arguments: ticket_ids (list of int). A receiver (the routing app) routes them and returns
# the tickets it assigned; with no receiver the inbox's own one-agent rule applies.
tickets_need_routing = Signal()

# Conversations were solved (sent after commit): their assignees have room again.
# Arguments: ticket_ids (list of int), assignee_ids (list of int).
tickets_solved = Signal()
# Customers wrote (not auto-replies): sent by ingest inside its transaction, after the
# messages are written. Arguments: ticket_ids (list[int]) of the conversations they went to.
# Shifts listens (the out-of-hours acknowledgement).
customer_messages_received = Signal()

# Customers wrote from identities with no name on a platform that can look people up
# (Messenger, Instagram): sent by ingest after its transaction commits. Arguments:
# account_id (int), identity_ids (list[int]). The inbox's triggers queue the lookups.
identities_need_profiles = Signal()
# Files of new customer messages wait to be downloaded (sent inside ingest's transaction).
# Arguments: attachment_ids (list[int]). The inbox's triggers queue the worker's downloads
# after commit.
attachments_recorded = Signal()
# Satisfaction questions are due (sent after commit by inbox.actions.csat): the inbox's own
# trigger queues their sending. Arguments: survey_ids (list[int]).
csat_surveys_opened = Signal()
# A customer gave a rating (sent after commit). Arguments: survey_id (int), rating (int).
# The inbox's trigger invites a delighted customer to a public review where the brand wants it.
csat_answered = Signal()
# Customers' button presses were handled (sent after commit); the platform waits for an
# answer to each (Telegram's spinner). Arguments: account_id (int), acks (list of (ack, text)).
button_presses_handled = Signal()

# A brand's satisfaction question was changed (Settings → Satisfaction), inside the change's
# transaction. Arguments: brand (Brand), details (dict: the fields changed, the new toggles
# and review page; never a customer's data).
csat_setting_changed = Signal()
