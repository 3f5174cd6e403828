# BrandAccount.platform's choices come from the connector registry: the column is unchanged,
# and the callable (not a list of platforms) is what the migration state records, so a new
# connector package needs no migration.

from django.db import migrations, models

import channels.registry


class Migration(migrations.Migration):

    dependencies = [
        ("channels", "0005_outbound_message_to_inbox"),
    ]

    operations = [
        migrations.AlterField(
            model_name="brandaccount",
            name="platform",
            field=models.CharField(choices=channels.registry.platform_choices, max_length=20),
        ),
    ]
