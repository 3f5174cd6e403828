# The approved WhatsApp message templates, cached per account.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("channels", "0009_privacy"),
    ]

    operations = [
        migrations.CreateModel(
            name="WhatsAppTemplate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=512)),
                ("language", models.CharField(max_length=20)),
                ("category", models.CharField(blank=True, max_length=30)),
                ("body", models.TextField(blank=True)),
                ("components", models.JSONField(blank=True, default=list)),
                ("platform_template_id", models.CharField(blank=True, max_length=100)),
                ("synced_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="whatsapp_templates",
                        to="channels.brandaccount",
                    ),
                ),
            ],
            options={
                "ordering": ["name", "language"],
                "constraints": [
                    models.UniqueConstraint(fields=("account", "name", "language"), name="uniq_whatsapp_template")
                ],
            },
        ),
    ]
