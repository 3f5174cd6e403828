# OutboundMessage.lease_until: the sending worker's lease, renewed while it waits on the
# platform; a dead worker's reply is recovered as soon as it runs out.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0008_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundmessage",
            name="lease_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
