# InboundEvent.lease_until: the claim a worker holds while ingesting an event, so a crashed
# worker's events are handed on within seconds and no two workers ingest one event.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("channels", "0006_platform_from_registry"),
    ]

    operations = [
        migrations.AddField(
            model_name="inboundevent",
            name="lease_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
