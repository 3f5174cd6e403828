# The outbox belongs to the domain (inbox.OutboundMessage): the connectors never read a
# Message. Only Django's state moves; the table stays (inbox's model keeps its name).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0004_account_backfill"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboundMessage")],
            database_operations=[],
        ),
    ]
