"""Deployment checks for the zero-setup defaults that must not reach production."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, Tags, Warning, register
from django.core.files.storage import storages

from fixi.phones import GROUP_CHAT, InvalidPhone, whatsapp_phone


@register(Tags.database, deploy=True)
def production_backends(app_configs=None, **kwargs):
    problems = []
    if not settings.USING_MONGODB:
        problems.append(
            Warning(
                "DATABASE_URL is not a MongoDB URL: this process uses the SQLite file in var/, "
                "which other containers do not see.",
                hint="Set DATABASE_URL=mongodb+srv://... (or the compose service's URL).",
                id="fixi.W020",
            )
        )
    if settings.USING_EMBEDDED_BROKER:
        problems.append(
            Warning(
                "CELERY_BROKER_URL is not set: tasks go to the embedded broker in var/, which "
                "a worker in another container never reads.",
                hint="Set CELERY_BROKER_URL=redis://...",
                id="fixi.W021",
            )
        )
    return problems


@register(Tags.compatibility)
def admin_whatsapp(app_configs=None, **kwargs):
    """ADMIN_WHATSAPP must be a number WhatsApp reaches (or a group's chat id): otherwise
    every SOS report and connection alert is kept in the admin only, which nobody notices
    until a lead has waited for hours."""
    value = settings.ADMIN_WHATSAPP.strip()
    if not value or value.endswith(GROUP_CHAT):  # unset: messaging's fixi.W003 says so
        return []
    try:
        whatsapp_phone(value)
    except InvalidPhone as error:
        return [
            Error(
                f"ADMIN_WHATSAPP: {error}. SOS reports and WhatsApp alerts cannot be sent to it.",
                hint="Set it to the manager's mobile in any common spelling (054-1234567, "
                "+972 54 123 4567) or a chat id (972541234567@c.us, a group's ...@g.us).",
                id="fixi.E003",
            )
        ]
    return []


COLLECT = "python manage.py collectstatic --noinput"


def _missing_manifest() -> Path | None:
    """The static files manifest the storage needs and cannot find, or None."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None  # DEBUG serves the files as they are, with no manifest
    if storage.manifest_storage.exists(storage.manifest_name):
        return None
    return Path(storage.manifest_storage.path(storage.manifest_name))


# Django runs deploy=True checks only under `check --deploy`, and the others always (under
# --deploy too). So the missing manifest is a warning for `check`, `migrate` and runserver,
# where a local run without collected files may be intended, and also an error under
# --deploy, which makes that command fail.


@register(Tags.staticfiles)
def static_manifest(app_configs=None, **kwargs):
    """Without the manifest every admin page is a 500 that says nothing about why."""
    if (manifest := _missing_manifest()) is None:
        return []
    return [
        Warning(
            f"{manifest} is missing: with DEBUG off every admin page fails (500) until the "
            "static files are collected.",
            hint=f"Run `{COLLECT}` (the Docker image does it at build time).",
            id="fixi.W040",
        )
    ]


@register(Tags.staticfiles, deploy=True)
def static_manifest_deployed(app_configs=None, **kwargs):
    if (manifest := _missing_manifest()) is None:
        return []
    return [
        Error(
            f"{manifest} is missing: this deployment would answer every admin page with 500.",
            hint=f"Run `{COLLECT}` before starting, or build the Docker image, which does.",
            id="fixi.E040",
        )
    ]
