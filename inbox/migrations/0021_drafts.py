# Newcomers' drafts: replies held for a lead's approval.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inbox', '0016_sla'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReplyDraft',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField()),
                ('mode', models.CharField(blank=True, max_length=20)),
                ('then_status', models.CharField(default='pending', max_length=20)),
                ('status', models.CharField(choices=[('waiting', 'Waiting for approval'), ('sent', 'Sent'), ('sent_edited', 'Sent after edit'), ('returned', 'Returned')], default='waiting', max_length=20)),
                ('sent_text', models.TextField(blank=True)),
                ('comment', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reply_drafts', to=settings.AUTH_USER_MODEL)),
                ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='inbox.message')),
                ('reviewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='drafts', to='inbox.ticket')),
            ],
            options={
                'ordering': ['created_at', 'id'],
                'indexes': [models.Index(fields=['ticket', 'status'], name='draft_ticket_status_idx'), models.Index(fields=['author', '-created_at'], name='draft_author_idx'), models.Index(condition=models.Q(('status', 'waiting')), fields=['created_at'], name='draft_waiting_idx')],
            },
        ),
    ]
