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
    ARABIC = "ar", _("Arabic")
    RUSSIAN = "ru", _("Russian")


# Each language has a script of its own, so the letters of a message say which it is.
# Each pattern is applied by one sub() that runs in C: a Python loop over every character
# took 100 ns a character, and a message can be 100,000 characters long.
_LETTERS = {
    Language.HEBREW: re.compile("[\u05d0-\u05ea]+"),
    # Arabic letters, including Persian/Urdu additions customers' keyboards produce
    # (گ, پ, چ, ی, ک), and the presentation forms some keyboards send.
    Language.ARABIC: re.compile(
        "[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]+"
    ),
    Language.RUSSIAN: re.compile("[\u0400-\u04ff]+"),
    Language.ENGLISH: re.compile("[A-Za-z]+"),
}
# Links and e-mail addresses are nobody's words. Latin letters count half: brand names
# (Tadiran, Bosch), error codes and units turn up in every language's messages, while a
# Hebrew, Arabic or Cyrillic word is written only by someone who speaks it. On a tie the
# earlier language wins.
# An address's local part is at most 64 characters, which also keeps the search linear: an
# unbounded \S+ before "@" rescans a long word from every position.
_LINK = re.compile(r"(?:https?://|www\.)\S*|[^\s@]{1,64}@\S*")
_WEIGHT = {Language.ENGLISH: 0.5}
_TIE_ORDER = [Language.HEBREW, Language.ARABIC, Language.RUSSIAN, Language.ENGLISH]


def letter_counts(text: str) -> dict[str, int]:
    """How many letters of each language's script `text` has, links left out."""
    text = _LINK.sub(" ", text or "")
    return {
        language: len(text) - len(pattern.sub("", text)) for language, pattern in _LETTERS.items()
    }


def language_of(text: str) -> str | None:
    """The language whose script has most of the text's letters ('he', 'ar', 'ru' or 'en'),
    or None when it has no letters. A Russian customer who writes a Hebrew street name is
    still Russian; "המזגן של Tadiran" is Hebrew."""
    counts = letter_counts(text)

    def weight(language):
        return (counts[language] * _WEIGHT.get(language, 1), -_TIE_ORDER.index(language))

    best = max(_TIE_ORDER, key=weight)
    return best.value if counts[best] else None
