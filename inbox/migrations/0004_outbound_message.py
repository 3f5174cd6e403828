# The outbox moves here from channels (state only: the table channels_outboundmessage stays),
# then carries what a connector needs to send: thread key, subject and the channel's extra.
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def fill_context(apps, schema_editor):
    """Rows still to deliver get what delivery used to read from the message answered."""
    OutboundMessage = apps.get_model("inbox", "OutboundMessage")
    Message = apps.get_model("inbox", "Message")
    for row in OutboundMessage.objects.exclude(status__in=["sent", "failed"]).exclude(in_reply_to_platform_id=""):
        answered = (
            Message.objects.select_related("ticket")
            .filter(account_id=row.account_id, platform_id=row.in_reply_to_platform_id)
            .first()
        )
        if answered is not None:
            row.thread_key = answered.thread_key
            row.subject = answered.ticket.subject
            row.extra = answered.extra
            row.save(update_fields=["thread_key", "subject", "extra"])


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0005_outbound_message_to_inbox"),
        ("inbox", "0003_identity_match_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboundMessage",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(default="reply", max_length=30)),
                        ("text", models.TextField()),
                        ("in_reply_to_platform_id", models.CharField(blank=True, max_length=200)),
                        ("recipient_platform_id", models.CharField(blank=True, max_length=200)),
                        ("mode", models.CharField(blank=True, max_length=20)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("sending", "Sending"),
                                    ("unknown", "Outcome unknown, checking"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=20,
                            ),
                        ),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("first_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("attempt_started_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.TextField(blank=True)),
                        ("platform_id", models.CharField(blank=True, max_length=200)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "account",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="outbound_messages",
                                to="channels.brandaccount",
                            ),
                        ),
                        (
                            "message",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE, related_name="outbound", to="inbox.message"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "channels_outboundmessage",
                        "indexes": [models.Index(fields=["status", "next_attempt_at"], name="outbound_due_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="outboundmessage",
            name="thread_key",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="outboundmessage",
            name="subject",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="outboundmessage",
            name="extra",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(fill_context, migrations.RunPython.noop),
    ]
