"""System checks that say which WhatsApp and media features fall back when settings are
missing or unusable."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from messaging import cloudinary


@register(Tags.compatibility)
def green_api_settings(app_configs=None, **kwargs):
    problems = []
    if not (settings.GREEN_API_ID and settings.GREEN_API_TOKEN):
        problems.append(
            Warning(
                "GREEN_API_ID/GREEN_API_TOKEN are not set: outgoing WhatsApp messages are kept "
                "in the outbox by the simulator transport instead of going to Green API.",
                hint="Set both to the instance id and API token from the Green API console.",
                id="fixi.W001",
            )
        )
    if not settings.GREEN_API_WEBHOOK_TOKEN:
        problems.append(
            Warning(
                "GREEN_API_WEBHOOK_TOKEN is not set: POST /webhook accepts requests from anyone.",
                hint="Set it, and the same value as webhookUrlToken in the instance settings.",
                id="fixi.W002",
            )
        )
    if not settings.ADMIN_WHATSAPP:
        problems.append(
            Warning(
                "ADMIN_WHATSAPP is not set: SOS reports and instance alerts appear only in "
                "the admin dashboard.",
                id="fixi.W003",
            )
        )
    return problems


@register(Tags.compatibility)
def cloudinary_settings(app_configs=None, **kwargs):
    fallback = (
        "photos, videos, voice notes and documents customers send are kept on local disk "
        "under var/media (MEDIA_ROOT) instead"
    )
    if not cloudinary.is_configured():
        return [
            Warning(
                f"CLOUDINARY_URL is not set: {fallback}.",
                hint="Set CLOUDINARY_URL=cloudinary://API_KEY:API_SECRET@CLOUD_NAME from the "
                "API Keys page of the Cloudinary console.",
                id="fixi.W030",
            )
        ]
    found = cloudinary.problems(settings.CLOUDINARY_URL)
    if not found:
        return []
    return [
        Warning(
            f"CLOUDINARY_URL is not usable ({'; '.join(found)}): every upload fails and "
            f"{fallback}.",
            hint="Copy the whole URL, cloudinary://API_KEY:API_SECRET@CLOUD_NAME, from the "
            "API Keys page of the Cloudinary console.",
            id="fixi.W031",
        )
    ]
