"""Files customers sent, kept on local disk (MEDIA_ROOT), for signed-in staff only
(layer 4: an entry point).

Without Cloudinary, or when Cloudinary refused a file, a customer's photo, video or voice
note is kept under MEDIA_ROOT and linked as MEDIA_URL + its name from the admin. Those are
photos of people's homes: they are served to active staff users only, with DEBUG on or
off, never to anyone who guesses a link. What a file is comes from its own first bytes
when they are recognised, else from its name; only an image, a video or a voice note is
shown in the browser, anything else is a download, and the browser is told not to guess
(nosniff) and not to run anything in it (a sandbox).
"""

import mimetypes
import os
from pathlib import Path

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from messaging.media import REFUSED_TYPES, sniff

SHOWN_PREFIXES = ("image/", "video/", "audio/")
SNIFF_BYTES = 512


@require_safe
@staff_member_required
def customer_file(request, name: str):
    path = _local_file(name)
    content_type = _content_type(path)
    shown = content_type.startswith(SHOWN_PREFIXES) and content_type not in REFUSED_TYPES
    response = FileResponse(
        path.open("rb"),
        content_type=content_type,
        as_attachment=not shown,
        filename=path.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    # Private to the signed-in user: no shared cache keeps a customer's photo.
    patch_cache_control(response, private=True, max_age=3600)
    patch_vary_headers(response, ["Cookie"])
    return response


def _local_file(name: str) -> Path:
    """The file under MEDIA_ROOT, or 404: a path that leads outside it (.., an absolute
    path, a link out of the folder), a folder, or nothing at all."""
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        path = Path(safe_join(root, name)).resolve()
    except (SuspiciousFileOperation, ValueError):
        raise Http404("no such file") from None
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404("no such file")
    return path


def _content_type(path: Path) -> str:
    """The type its first bytes show, else its name's, else an opaque download."""
    with path.open("rb") as file:
        head = file.read(SNIFF_BYTES)
    guessed, _encoding = mimetypes.guess_type(os.fspath(path))
    return sniff(head) or guessed or "application/octet-stream"
