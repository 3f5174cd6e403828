from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0033_customer_contact_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="leased_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
