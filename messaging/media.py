"""Inbound photos, videos, voice notes and documents: fetched once, kept, linked.

Files come from the webhook's downloadUrl (or Green API's downloadFile when it is
missing), are capped in size and checked by type, and are kept in Cloudinary when
CLOUDINARY_URL is set (messaging.cloudinary), else, or when Cloudinary fails, under
var/media.

What a file is comes from its own bytes when they are recognised, else from the type the
server sent; never from the type the webhook claims, which the sender chooses. No
redirect is followed (messaging.greenapi.fetch_media). A file refused for any of these
reasons, for its size, or for a link the fetcher will not follow is a MediaRejected: the
conversation goes on without it, as for any file Fixi does not keep.
"""

import logging
import mimetypes
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from messaging import cloudinary, greenapi
from messaging.models import InboundMessage

log = logging.getLogger(__name__)

MAX_MEDIA_BYTES = 16 * 1024 * 1024
ALLOWED_PREFIXES = ("image/", "video/", "audio/")
ALLOWED_TYPES = {"application/pdf"}
# Images a browser runs scripts in: kept and linked, they would run on Fixi's own site.
REFUSED_TYPES = {"image/svg+xml"}
# Types that say nothing about the file; its bytes decide.
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/binary"}

_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"#!AMR", "audio/amr"),
    (b"\x1aE\xdf\xa3", "video/webm"),
)
_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
_FTYP = {
    b"M4A ": "audio/mp4",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"qt  ": "video/quicktime",
}
_MARKUP = ((b"<svg", "image/svg+xml"), (b"<!doctype html", "text/html"), (b"<html", "text/html"))
_MARKUP_START = (b"<?xml", b"<!doctype", b"<html", b"<svg", b"<!--", b"<head", b"<body", b"<script")


class MediaRejected(Exception):
    """The file is not one Fixi keeps (type, size or link); the reason is for the admin."""


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


def sniff(content: bytes) -> str:
    """The type a file's first bytes show, or "" when they are not recognised."""
    for magic, mime_type in _MAGIC:
        if content.startswith(magic):
            return mime_type
    if content[:4] == b"RIFF" and content[8:12] in _RIFF:
        return _RIFF[content[8:12]]
    if content[4:8] == b"ftyp":
        brand = content[8:12]
        return _FTYP.get(brand) or ("video/3gpp" if brand.startswith(b"3gp") else "video/mp4")
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_MARKUP_START):
        for marker, mime_type in _MARKUP:
            if marker in head:
                return mime_type
        return "text/html" if b"<script" in head else "application/xml"
    return ""


def file_type(content: bytes, served_type: str) -> str:
    """What the file is: its sniffed type, else the served one unless that says nothing."""
    served = served_type.split(";")[0].strip().lower()
    return sniff(content) or ("" if served in GENERIC_TYPES else served)


def _allowed(mime_type: str) -> bool:
    if mime_type in REFUSED_TYPES:
        return False
    return mime_type.startswith(ALLOWED_PREFIXES) or mime_type in ALLOWED_TYPES


def _source_url(message: InboundMessage) -> str:
    """Where to fetch the file. A link inside the webhook is followed only when webhooks
    are authenticated: otherwise anyone could make the server fetch any address."""
    if message.media_url and settings.GREEN_API_WEBHOOK_TOKEN:
        return message.media_url
    if greenapi.is_configured():
        return greenapi.download_file(message.chat_id, message.provider_message_id)
    raise MediaRejected("no trusted source for the file (set GREEN_API_WEBHOOK_TOKEN)")


def _fetch(message: InboundMessage) -> tuple[bytes, str]:
    try:
        return greenapi.fetch_media(_source_url(message), MAX_MEDIA_BYTES)
    except ValueError as error:  # a link the fetcher does not follow (not http or https)
        raise MediaRejected(f"file link refused: {error}") from None
    except greenapi.GreenApiError as error:
        if error.status and 300 <= error.status < 400:
            raise MediaRejected(
                f"file link answered {error.status}: redirects are not followed"
            ) from None
        raise


def store_inbound_media(message: InboundMessage) -> StoredMedia:
    content, served_type = _fetch(message)
    mime_type = file_type(content, served_type)
    if not _allowed(mime_type):
        raise MediaRejected(f"file type {mime_type or 'unknown'} is not accepted")
    name = _file_name(message, mime_type)
    stored_url = _keep(content, name)
    return StoredMedia(stored_url, mime_type, message.kind, len(content), str(message.pk), content)


def _file_name(message: InboundMessage, mime_type: str) -> str:
    extension = mimetypes.guess_extension(mime_type) or ""
    if mime_type.startswith("audio/ogg"):
        extension = ".ogg"
    return f"inbound/{timezone.now():%Y/%m}/{message.pk}{extension}"


def _keep(content: bytes, name: str) -> str:
    """The file's link: in Cloudinary when it is configured and takes the file, else on
    local disk (a file the customer sent is kept either way)."""
    if cloudinary.is_configured():
        try:
            return cloudinary.upload(content, name.rsplit(".", 1)[0], name.rsplit("/", 1)[-1]).url
        except cloudinary.CloudinaryError as error:
            log.log(
                logging.WARNING if error.retryable else logging.ERROR,
                "Cloudinary did not take %s (%s): kept on local disk under MEDIA_ROOT",
                name,
                error.reason,
            )
    saved = default_storage.save(name, ContentFile(content))
    return default_storage.url(saved)
