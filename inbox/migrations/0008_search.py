"""Search (inbox/search.py) and keyset paging (inbox/paging.py).

- Two folded columns on the ticket, `search_who` and `search_text`, filled here for the
  tickets that exist and then kept by the write path (inbox.search.search_refresh).
- On PostgreSQL only: the pg_trgm extension and a trigram GIN index on each column, which
  answers `LIKE '%word%'` without reading the table. SQLite has neither and scans.
- B-tree indexes on each list's ordering with the id as tie-break, so every page of a view
  (the first and the 40th) is an index range scan: the cost does not grow with the table.
"""

from django.db import migrations, models

from inbox.search import MAX_TEXT, fold

TRIGRAM_INDEXES = (
    ("ticket_search_who_trgm", "search_who"),
    ("ticket_search_text_trgm", "search_text"),
)


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Ticket = apps.get_model("inbox", "Ticket")
    Identity = apps.get_model("inbox", "Identity")
    Message = apps.get_model("inbox", "Message")
    last = 0
    while True:
        tickets = list(Ticket.objects.filter(pk__gt=last).select_related("customer").order_by("pk")[:1000])
        if not tickets:
            return
        last = tickets[-1].pk
        people: dict[int, list[str]] = {}
        for i in Identity.objects.filter(customer_id__in={t.customer_id for t in tickets}).order_by("id"):
            phone = "+" + i.phone.lstrip("+") if i.phone else ""
            people.setdefault(i.customer_id, []).extend([i.handle, i.display_name, i.email, phone])
        texts: dict[int, list[str]] = {}
        for ticket_id, text in Message.objects.filter(ticket_id__in=[t.pk for t in tickets]).order_by(
            "sent_at", "id"
        ).values_list("ticket_id", "text"):
            texts.setdefault(ticket_id, []).append(text)
        for t in tickets:
            t.search_who = fold(" ".join(p for p in [t.customer.name, *people.get(t.customer_id, [])] if p))
            t.search_text = fold("\n".join(texts.get(t.pk, [])))[:MAX_TEXT]
        Ticket.objects.bulk_update(tickets, ["search_who", "search_text"])


def trigram_indexes(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON inbox_ticket USING gin ({column} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0007_triage"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="ticket",
            name="search_who",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("waiting_since__isnull", False)),
                fields=["waiting_since", "id"],
                name="ticket_waiting_key_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["brand", "waiting_since", "id"], name="ticket_brand_waiting_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["updated_at", "id"], name="ticket_updated_key_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["last_message_at", "id"], name="ticket_recent_key_idx"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
