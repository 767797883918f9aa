"""Small corrections people write after the fact, read without the dispatcher."""

import re

# "12 ולא 10", "12, not 10", "מספר 12 לא 10", "it's 12 not 10"
_HOUSE_NUMBER = re.compile(
    r"(?<!\d)(?P<new>\d{1,4})\s*,?\s*(?:ו?לא|not|and not|instead of)\s+(?P<old>\d{1,4})(?!\d)",
    re.IGNORECASE,
)


def house_number(text: str, address: str) -> str:
    """The address with its house number corrected ("the address is 12, not 10"), or ""
    when the text corrects nothing in it."""
    if not address or not text:
        return ""
    found = _HOUSE_NUMBER.search(text[-500:])
    if found is None:
        return ""
    old, new = found["old"], found["new"]
    pattern = re.compile(rf"(?<!\d){old}(?!\d)")
    if old == new or not pattern.search(address):
        return ""
    return pattern.sub(new, address, count=1)
