from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
        ("channels", "0010_whatsapp_templates"),
    ]

    operations = [
        migrations.AddField(
            model_name="chatevent",
            name="files",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
