"""Whatever arrives at /webhook, the answer is never a 500 (Green API would stall)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
