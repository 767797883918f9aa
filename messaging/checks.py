"""System checks that say which WhatsApp features fall back when settings are missing."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
