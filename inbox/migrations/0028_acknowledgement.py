import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('channels', '0009_privacy'),
        ('inbox', '0032_files_more'),
    ]

    operations = [
        migrations.AddField(
            model_name='replydraft',
            name='template',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.CreateModel(
            name='BrandAcknowledgement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('texts', models.JSONField(blank=True, default=dict)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('brand', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='acknowledgement_texts', to='channels.brand')),
            ],
        ),
    ]
