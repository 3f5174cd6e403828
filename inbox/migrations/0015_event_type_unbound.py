from django.db import migrations, models


class Migration(migrations.Migration):
    """TicketEvent.type keeps its labels in inbox.enums.TicketEventType only."""

    dependencies = [("inbox", "0014_event_types")]

    operations = [
        migrations.AlterField(model_name="ticketevent", name="type", field=models.CharField(max_length=30)),
    ]
