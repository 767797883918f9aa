"""Real Green API webhook payloads, read as a person reading each one by hand expects.

The corpus lives in the `shared/reference/greenapi-payloads` folder beside the repository
(45 payloads from Green API's own docs and SDK tests, with `expected.json` written before
the normaliser was run); it is read in place, never copied into the project. Every payload
is checked, claimed shape or not; a list in expected.json means any of its values.
"""

import json
from pathlib import Path

import pytest

from messaging.inbox import ingest
from messaging.models import InboundMessage, Subtype
from messaging.payloads import normalise

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "greenapi-payloads"
if not (CORPUS / "expected.json").is_file():
    pytest.skip(
        f"the Green API payload corpus is not beside the repository ({CORPUS})",
        allow_module_level=True,
    )

EXPECTED = {
    name: entry["expect"]
    for name, entry in json.loads((CORPUS / "expected.json").read_text()).items()
    if not name.startswith("_")
}
# Which notification each payload is (expected.json predates the subtype): the rest are
# plain messages or provider events, stickers, polls, invites and button menus included.
SUBTYPES = {
    "16_contactMessage.json": Subtype.CONTACT,
    "17_contactMessage_quoting_text.json": Subtype.CONTACT,
    "18_reactionMessage.json": Subtype.REACTION,
    "31_incomingCall.json": Subtype.CALL,
    "33_editedMessage.json": Subtype.EDIT,
}
# What each of those carries as text (the emoji, the new text, the card in one line).
NOTIFICATION_TEXTS = {
    "16_contactMessage.json": "Victor Andreevich: +7 900 123-45-69",
    "17_contactMessage_quoting_text.json": "Anti-spam: *9035936232#",
    "18_reactionMessage.json": "👍",
    "31_incomingCall.json": "",
    "33_editedMessage.json": "New message",
}
# Where the row keeps a reading: the instance state is its text (the row's own `state` is
# how far Fixi got with it); readings with no column of their own stay in `raw`.
STORED_AS = {"state": "text"}
STORED_FIELDS = {f.name for f in InboundMessage._meta.fields} - set(STORED_AS)


def _payload(name: str) -> dict:
    return json.loads((CORPUS / name).read_text())


def _matches(expected, actual) -> bool:
    return actual in expected if isinstance(expected, list) else actual == expected


def _coordinates(location: dict) -> dict:
    return {key: location.get(key) for key in ("latitude", "longitude")}


def test_the_corpus_is_complete():
    assert len(EXPECTED) == 45
    assert all((CORPUS / name).is_file() for name in EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_payload_reads_as_expected(name):
    message = normalise(_payload(name))

    for key, expected in EXPECTED[name].items():
        actual = getattr(message, key)
        if key == "location":
            assert _coordinates(actual) == expected, key
        else:
            assert _matches(expected, actual), f"{key}: {actual!r}, expected {expected!r}"
    assert message.subtype == SUBTYPES.get(name, Subtype.NONE)
    if name in NOTIFICATION_TEXTS:
        assert message.text == NOTIFICATION_TEXTS[name]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_payload_is_stored_as_read(name):
    result = ingest(_payload(name))

    row = InboundMessage.objects.get(pk=result.inbound_id)
    for key, expected in EXPECTED[name].items():
        if key in STORED_FIELDS or key in STORED_AS:
            actual = getattr(row, STORED_AS.get(key, key))
            assert _matches(expected, actual), f"{key}: {actual!r}, expected {expected!r}"
    assert row.subtype == SUBTYPES.get(name, Subtype.NONE)
    assert row.raw == _payload(name)
