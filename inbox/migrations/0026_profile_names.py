# Names from the platform (the profile lookup's time and tries) and read receipts sent.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0024_customer_profile"),
    ]

    operations = [
        migrations.AddField(
            model_name="identity",
            name="profile_fetched_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="identity",
            name="profile_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="message",
            name="read_receipt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
