"""The embedded broker (`make run`, no Redis): kombu's filesystem transport with atomic puts.

kombu writes a message by creating `<time>_<uuid>.<queue>.msg` and then filling it, and its
consumer takes any such file it lists without a lock: a worker that polls the folder often
can catch one still empty, fail to decode it and stop ("Unrecoverable error:
JSONDecodeError", celery/kombu#1551). Here the message is written under a name the consumer
never matches and renamed into place, which is atomic within one folder, so a listed file is
always complete. Settings select it with CELERY_BROKER_TRANSPORT for `filesystem://`."""
from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class AtomicChannel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".partial-{uuid.uuid4()}")  # no ".msg": never listed
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class FilesystemTransport(filesystem.Transport):
    Channel = AtomicChannel
