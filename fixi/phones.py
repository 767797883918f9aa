"""WhatsApp numbers and Green API chat ids.

Israeli numbers are written many ways (054-1234567, +972 54 123 4567, 972541234567);
Green API wants `972541234567@c.us`. Everything stored uses the chat id form.
"""

import re

_NON_DIGITS = re.compile(r"\D+")


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, country_code: str = "972") -> str:
    """International digits only: '054-123 4567' -> '972541234567'."""
    text = (raw or "").strip()
    if text.endswith(("@c.us", "@g.us")):
        text = text.split("@", 1)[0]
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = country_code + digits[1:]
    if not 8 <= len(digits) <= 15:
        raise InvalidPhone(f"{raw!r} is not a phone number")
    return digits


def chat_id_for(raw: str) -> str:
    """The Green API chat id of a phone number or chat id; group ids pass through."""
    if (raw or "").strip().endswith("@g.us"):
        return raw.strip()
    return f"{normalize_phone(raw)}@c.us"


def phone_of(chat_id: str) -> str:
    return chat_id.split("@", 1)[0]
