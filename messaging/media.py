"""Inbound photos, videos, voice notes and documents: fetched once, kept, linked.

Files come from the webhook's downloadUrl (or Green API's downloadFile when it is
missing), are capped in size and checked by type, and are kept in Cloudinary when
CLOUDINARY_URL is set, else under var/media.
"""

import io
import mimetypes
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from messaging import greenapi
from messaging.models import InboundMessage

MAX_MEDIA_BYTES = 16 * 1024 * 1024
ALLOWED_PREFIXES = ("image/", "video/", "audio/")
ALLOWED_TYPES = {"application/pdf"}


class MediaRejected(Exception):
    """The file is not one Fixi keeps (type or size); the reason is for the admin."""


@dataclass
class StoredMedia:
    url: str
    mime_type: str
    kind: str
    size: int
    message_id: str
    content: bytes = field(default=b"", repr=False)  # for the AI; not stored on the lead

    def as_dict(self) -> dict:
        keys = ("url", "mime_type", "kind", "size", "message_id")
        return {key: getattr(self, key) for key in keys}


def _allowed(mime_type: str) -> bool:
    return mime_type.startswith(ALLOWED_PREFIXES) or mime_type in ALLOWED_TYPES


def _source_url(message: InboundMessage) -> str:
    """Where to fetch the file. A link inside the webhook is followed only when webhooks
    are authenticated: otherwise anyone could make the server fetch any address."""
    if message.media_url and settings.GREEN_API_WEBHOOK_TOKEN:
        return message.media_url
    if greenapi.is_configured():
        return greenapi.download_file(message.chat_id, message.provider_message_id)
    raise MediaRejected("no trusted source for the file (set GREEN_API_WEBHOOK_TOKEN)")


def store_inbound_media(message: InboundMessage) -> StoredMedia:
    url = _source_url(message)
    content, served_type = greenapi.fetch_media(url, MAX_MEDIA_BYTES)
    mime_type = (message.media_mime_type or served_type or "").split(";")[0].strip().lower()
    if not _allowed(mime_type):
        raise MediaRejected(f"file type {mime_type or 'unknown'} is not accepted")
    name = _file_name(message, mime_type)
    stored_url = _upload(content, name, mime_type)
    return StoredMedia(stored_url, mime_type, message.kind, len(content), str(message.pk), content)


def _file_name(message: InboundMessage, mime_type: str) -> str:
    extension = mimetypes.guess_extension(mime_type) or ""
    if mime_type.startswith("audio/ogg"):
        extension = ".ogg"
    return f"inbound/{timezone.now():%Y/%m}/{message.pk}{extension}"


def _upload(content: bytes, name: str, mime_type: str) -> str:
    if settings.CLOUDINARY_URL:
        import cloudinary.uploader  # reads CLOUDINARY_URL from the environment

        result = cloudinary.uploader.upload(
            io.BytesIO(content),
            public_id=name.rsplit(".", 1)[0],
            resource_type="auto",
            overwrite=False,
        )
        return result["secure_url"]
    saved = default_storage.save(name, ContentFile(content))
    return default_storage.url(saved)
