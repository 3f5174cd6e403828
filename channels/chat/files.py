"""An agent's files in the website chat: what a reply may carry, storing them with the reply
(Django's storage API, under chat/<session key>/) and which are shown inline. Only a picture
Pillow recognises (JPEG, PNG, GIF, WebP) is an image; everything else is offered as a
download (channels.chat.views.file_view serves them to the visitor's own session)."""
from __future__ import annotations

import io
import uuid
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename
from PIL import Image, UnidentifiedImageError

from channels.base import AttachmentLimits
from channels.types import OutboundFile

# A chat bubble is no file share: any type, up to 10 MB each, five with a reply.
CHAT_ATTACHMENT_LIMITS = AttachmentLimits(max_bytes=10 * 1024 * 1024, max_files=5)
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000


def picture_type(content: bytes) -> str:
    """The picture's real type if the bytes are one the widget shows inline, else ""."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return ""
                return IMAGE_FORMATS.get(image.format or "", "")
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
                ValueError, SyntaxError):
            return ""


def chat_files_store(*, session_key: str, files: Sequence[OutboundFile]) -> list[dict[str, Any]]:
    """Write the reply's files to storage; what ChatEvent.files keeps of them."""
    stored = []
    for file in files:
        safe = get_valid_filename(file.filename)[-100:] or "file"
        name = default_storage.save(f"chat/{session_key}/{uuid.uuid4().hex}/{safe}", ContentFile(file.content))
        kind = picture_type(file.content)
        stored.append({
            "name": name,
            "filename": file.filename[:255] or "file",
            "content_type": kind or file.content_type or "application/octet-stream",
            "size": len(file.content),
            "image": bool(kind),
        })
    return stored


def chat_files_delete(names: Iterable[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def public_files(files: Any) -> list[dict[str, Any]]:
    """What the widget's stream says of a reply's files (never the storage name)."""
    if not isinstance(files, list):
        return []
    return [
        {"index": index, "filename": f.get("filename", ""), "content_type": f.get("content_type", ""),
         "size": f.get("size"), "image": bool(f.get("image"))}
        for index, f in enumerate(files)
        if isinstance(f, dict)
    ]
