"""System checks that say which AI features fall back when settings are missing."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.compatibility)
def gemini_settings(app_configs=None, **kwargs):
    if settings.GEMINI_API_KEY:
        return []
    return [
        Warning(
            "GEMINI_API_KEY is not set: messages are understood by the offline dispatcher "
            "(rules, text only: Hebrew, English, Arabic and Russian) and replies are templated.",
            hint="Set GEMINI_API_KEY for photos, voice notes and persona replies.",
            id="fixi.W010",
        )
    ]
