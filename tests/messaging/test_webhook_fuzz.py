"""Whatever arrives at /webhook, the answer is never a 500 (Green API would stall)."""

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.models import InboundMessage
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
KNOWN = [
    shapes.text(),
    shapes.image(),
    shapes.voice(),
    shapes.location(),
    shapes.interactive_reply(),
    shapes.template_reply(),
    shapes.status(),
    shapes.state(),
    shapes.incoming_call(),
]
FIELDS = [
    "typeWebhook",
    "idMessage",
    "timestamp",
    "senderData",
    "messageData",
    "status",
    "stateInstance",
    "instanceData",
    "chatId",
]
fuzz = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _mutate(payload: dict, path: list[str], value) -> dict:
    mutated = json.loads(json.dumps(payload))
    target = mutated
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[path[-1]] = value
    return mutated


@fuzz
@given(body=json_values)
def test_random_json_never_gets_a_500(client, body):
    response = client.post("/webhook", data=json.dumps(body), content_type="application/json")

    assert response.status_code in (200, 400)


@fuzz
@given(
    base=st.sampled_from(KNOWN),
    path=st.lists(
        st.sampled_from(
            [
                *FIELDS,
                "typeMessage",
                "textMessageData",
                "fileMessageData",
                "downloadUrl",
                "selectedIndex",
                "selectedId",
            ]
        ),
        min_size=1,
        max_size=3,
    ),
    value=json_values,
)
def test_mutated_real_payloads_never_get_a_500(client, base, path, value):
    body = _mutate(base, path, value)

    response = client.post("/webhook", data=json.dumps(body), content_type="application/json")

    assert response.status_code in (200, 400)


@fuzz
@given(raw=st.binary(max_size=300))
def test_random_bytes_never_get_a_500(client, raw):
    response = client.post("/webhook", data=raw, content_type="application/json")

    assert response.status_code in (200, 400)


# --- What a careless sender writes: lone surrogates, numbers no float holds ---------------

# Text that may hold lone UTF-16 surrogates (JSON's "\ud800" escapes decode to them).
hostile_text = st.text(
    alphabet=st.characters(codec=None, categories=None)
    | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    max_size=12,
)


class _Raw:
    """A JSON number written as given (`1e999`), which json.dumps cannot produce."""

    def __init__(self, text: str):
        self.text = text


huge_numbers = st.builds(
    _Raw,
    st.builds(
        "{}{}e{}".format,
        st.sampled_from(["", "-"]),
        st.integers(1, 10**6),
        st.integers(309, 10_000),
    ),
)
hostile_values = st.recursive(
    st.none() | st.booleans() | st.integers() | hostile_text | huge_numbers,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4)
    ),
    max_leaves=12,
)


def _dumps(payload) -> bytes:
    """JSON text with every _Raw written as its bare number, and surrogates escaped."""
    raws = []

    def placeholder(value):
        raws.append(value.text)
        return f"@RAW{len(raws) - 1}@"

    text = json.dumps(payload, default=placeholder)
    for index, number in enumerate(raws):
        text = text.replace(f'"@RAW{index}@"', number, 1)
    return text.encode()


def _keys_and_strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys_and_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys_and_strings(item)
    elif isinstance(value, str):
        yield value


_fresh_ids = itertools.count(1)


@fuzz
@given(
    base=st.sampled_from(KNOWN),
    path=st.lists(
        st.sampled_from([*FIELDS, "textMessageData", "textMessage", "senderName", "caption"]),
        min_size=1,
        max_size=3,
    ),
    value=hostile_values,
)
def test_a_first_delivery_is_kept_and_a_resend_is_the_only_duplicate(client, base, path, value):
    body = _mutate(base, path, value)
    # Each example is a new delivery: its key is its own, whatever the mutation wrote.
    body["idMessage"] = f"FUZZ{next(_fresh_ids):012d}"
    raw = _dumps(body)

    first = client.post("/webhook", data=raw, content_type="application/json")
    again = client.post("/webhook", data=raw, content_type="application/json")

    assert first.status_code in (200, 400)
    if first.status_code == 400:
        assert again.status_code == 400
        return
    assert first.json()["status"] in ("stored", "ignored")
    assert again.json() == {"status": "duplicate"}
    stored = InboundMessage.objects.get(provider_message_id=body["idMessage"])
    for text in _keys_and_strings(stored.raw):
        text.encode("utf-8")  # valid UTF-8: no surrogate left
    for text in (stored.text, stored.chat_id, stored.sender_name, stored.webhook_type):
        text.encode("utf-8")
