"""The embedded broker (filesystem://) never lists a message it has not finished writing:
kombu's own transport creates `<…>.<queue>.msg` and fills it afterwards, and a worker that
took such a file empty stopped with "Unrecoverable error: JSONDecodeError"."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from kombu import Connection

from helpdesk import broker


def test_a_message_is_listed_only_once_complete(tmp_path: Path, monkeypatch: Any) -> None:
    seen_while_writing: list[list[str]] = []
    encode = broker.str_to_bytes

    def spy(value: Any) -> bytes:
        seen_while_writing.append(sorted(p.name for p in tmp_path.iterdir()))
        return encode(value)

    monkeypatch.setattr(broker, "str_to_bytes", spy)
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path), "store_processed": False}
    with Connection("filesystem://", transport="helpdesk.broker:FilesystemTransport",
                    transport_options=options) as conn:
        queue = conn.SimpleQueue("inbound")
        queue.put({"task": "inbox.ingest_account", "text": "Dobrý den 👋"})
        assert seen_while_writing, "the message was not written through the atomic put"
        assert all(not name.endswith(".msg") for names in seen_while_writing for name in names)
        assert [p.name.endswith(".inbound.msg") for p in tmp_path.iterdir()] == [True]
        message = queue.get(timeout=1)
        assert message.payload == {"task": "inbox.ingest_account", "text": "Dobrý den 👋"}
        message.ack()
        queue.close()
    assert list(tmp_path.iterdir()) == []


def test_the_settings_use_it_for_the_embedded_broker() -> None:
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        assert settings.CELERY_BROKER_TRANSPORT == "helpdesk.broker:FilesystemTransport"
        assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER > 1
        assert settings.HOVOR_INGEST_DEBOUNCE == 0
    else:
        assert not hasattr(settings, "CELERY_BROKER_TRANSPORT")
        assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
