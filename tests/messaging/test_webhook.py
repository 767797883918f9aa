"""POST /webhook: the contract Green API and operators rely on."""

import json

import pytest
from django.db import IntegrityError, connection, transaction

from messaging.models import InboundMessage, MessageKind, ProcessingState
from tests.messaging import shapes

pytestmark = pytest.mark.django_db


def post(client, payload, token=None, path="/webhook", raw=None, scheme="Bearer"):
    headers = {"HTTP_AUTHORIZATION": f"{scheme} {token}"} if token else {}
    body = raw if raw is not None else json.dumps(payload)
    return client.post(path, data=body, content_type="application/json", **headers)


@pytest.fixture
def token(settings):
    settings.GREEN_API_WEBHOOK_TOKEN = "s3cret-webhook-token"
    return settings.GREEN_API_WEBHOOK_TOKEN


@pytest.mark.parametrize("presented", [None, "wrong-token", "s3cret-webhook-token-and-more"])
def test_a_missing_or_wrong_token_is_refused_and_nothing_stored(client, token, presented):
    response = post(client, shapes.text(), token=presented)

    assert response.status_code == 401
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "Basic"])
def test_the_configured_token_is_accepted(client, token, scheme):
    response = post(client, shapes.text(), token=token, scheme=scheme)

    assert response.status_code == 200
    assert InboundMessage.objects.count() == 1


def test_without_a_configured_token_the_endpoint_is_open(client):
    assert post(client, shapes.text()).status_code == 200


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'"text"', "not a JSON object"),
        (b"\xff\xfe", "not JSON"),
        (b"{}", "typeWebhook is missing"),
    ],
)
def test_a_body_that_is_not_a_webhook_gets_400_with_a_reason(client, raw, reason):
    response = post(client, None, raw=raw)

    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_an_oversized_body_gets_413(client, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 2048
    payload = shapes.text("x" * 5000)

    assert post(client, payload).status_code == 413
    assert not InboundMessage.objects.exists()


def test_only_post(client):
    assert client.get("/webhook").status_code == 405


def test_the_trailing_slash_form_works(client):
    assert post(client, shapes.text(), path="/webhook/").status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        shapes.text(),
        shapes.extended_text(),
        shapes.quoted_legacy(),
        shapes.quoted_current(),
        shapes.image(),
        shapes.video(),
        shapes.voice(),
        shapes.document(),
        shapes.location(),
        shapes.interactive_reply(),
        shapes.buttons_response(),
        shapes.template_reply(),
        shapes.incoming_call(),
        shapes.edited(),
        shapes.reaction(),
        shapes.contact(),
    ],
)
def test_every_customer_message_shape_is_stored_and_handed_to_the_workers(
    client, broker_queue, payload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, payload)

    assert response.json() == {"status": "stored"}
    stored = InboundMessage.objects.get()
    assert stored.raw == payload and stored.state == ProcessingState.PENDING
    assert broker_queue() == [("leads.process_inbound_message", [str(stored.pk)])]


def test_types_we_do_not_act_on_are_acknowledged_and_kept(client, broker_queue):
    response = post(client, shapes.incoming_block())

    assert response.json() == {"status": "ignored"}
    assert InboundMessage.objects.get().state == ProcessingState.IGNORED
    assert broker_queue() == []


def test_a_delivery_repeated_five_times_is_stored_and_enqueued_once(
    client, broker_queue, django_capture_on_commit_callbacks
):
    payload = shapes.text()
    with django_capture_on_commit_callbacks(execute=True):
        answers = [post(client, payload).json()["status"] for _ in range(5)]

    assert answers == ["stored"] + ["duplicate"] * 4
    assert InboundMessage.objects.count() == 1
    assert len(broker_queue()) == 1


def test_status_webhooks_repeat_the_message_id_once_per_status(client):
    for value in ("sent", "delivered", "read", "read"):
        post(client, shapes.status("BAE5OUT1", value))

    statuses = sorted(InboundMessage.objects.values_list("status", flat=True))
    assert statuses == ["delivered", "read", "sent"]
    assert set(InboundMessage.objects.values_list("kind", flat=True)) == {MessageKind.STATUS}


def test_a_broker_that_is_down_does_not_fail_the_webhook(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    from fixi.celery import app

    for key in ("broker_url", "broker_write_url"):
        monkeypatch.setitem(app.conf, key, "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_connection_max_retries", 0)
    monkeypatch.setitem(app.conf, "task_publish_retry", False)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, shapes.text())

    assert response.status_code == 200
    assert InboundMessage.objects.get().state == ProcessingState.PENDING


@pytest.mark.parametrize(
    "raw",
    [b'{"typeWebhook": "x", "t": NaN}', b'{"typeWebhook": "x", "t": Infinity}', b"[" * 50_000],
)
def test_non_json_extensions_and_absurd_nesting_are_400(client, raw):
    assert post(client, None, raw=raw).status_code == 400


def test_hostile_but_valid_json_is_stored_in_a_form_every_database_keeps(client):
    payload = shapes.text()
    payload["huge"] = 2**70
    deep = [1]
    for _ in range(40):
        deep = [deep]
    payload["$where"] = {"a.b": "\x00", "deep": deep}

    assert post(client, payload).status_code == 200
    raw = InboundMessage.objects.get().raw
    assert raw["huge"] == str(2**70)
    assert raw["_$where"]["a\uff0eb"] == "\x00"
    assert raw["messageData"] == payload["messageData"]


# --- Bodies that must be stored, not refused or lost ---------------------------------------


def _with_raw_number(payload: dict, number: str) -> bytes:
    """The payload's JSON text with `number` written as a bare JSON number in "n"."""
    return json.dumps({**payload, "n": "@NUMBER@"}).replace('"@NUMBER@"', number).encode()


@pytest.mark.parametrize(
    "where",
    [
        ("messageData", "textMessageData", "textMessage"),
        ("senderData", "senderName"),
        ("senderData", "chatId"),
        ("idMessage",),
        ("typeWebhook",),
    ],
)
def test_a_lone_surrogate_in_any_string_is_replaced_and_stored(client, where):
    payload = shapes.text("נזילה")
    target = payload
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = target[where[-1]] + "\ud800"
    body = json.dumps(payload).encode()  # ASCII JSON with the escape "\ud800"
    assert b"\\ud800" in body

    response = post(client, None, raw=body)

    assert response.status_code == 200
    assert response.json()["status"] in ("stored", "ignored")
    stored = InboundMessage.objects.get()
    value = stored.raw
    for key in where:
        value = value[key]
    assert value.endswith("\ufffd") and "\ud800" not in value
    assert "\ud800" not in stored.text + stored.sender_name + stored.chat_id


@pytest.mark.parametrize("escaped", [True, False])
def test_a_lone_surrogate_in_a_key_or_nested_value_is_replaced(client, escaped):
    payload = shapes.text("hello")
    payload["extra\udfff"] = ["\udc00", {"k": "x\ud83d"}, "\ud83d\ude00"]
    # Some senders write the surrogate's bytes themselves instead of the "\udfff" escape;
    # Python's JSON reader accepts those too.
    body = json.dumps(payload, ensure_ascii=escaped).encode("utf-8", "surrogatepass")

    response = post(client, None, raw=body)

    assert response.json() == {"status": "stored"}
    assert InboundMessage.objects.get().raw["extra\ufffd"] == ["\ufffd", {"k": "x\ufffd"}, "😀"]


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1E400", "123456789e999"])
def test_a_number_too_large_for_a_float_is_stored_as_its_text(client, number):
    payload = shapes.text()

    first = post(client, None, raw=_with_raw_number(payload, number))
    again = post(client, None, raw=_with_raw_number(payload, number))

    assert (first.json(), again.json()) == ({"status": "stored"}, {"status": "duplicate"})
    assert InboundMessage.objects.get().raw["n"] == number


def test_a_non_finite_timestamp_is_stored_without_a_send_time(client):
    payload = shapes.text()
    body = json.dumps(payload).replace('"timestamp": 1790000000', '"timestamp": 1e999')

    assert post(client, None, raw=body.encode()).json() == {"status": "stored"}
    stored = InboundMessage.objects.get()
    assert (stored.raw["timestamp"], stored.sent_at) == ("1e999", None)


def _wsgi_environ(body: bytes, **extra) -> dict:
    import io

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/webhook",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    environ.update(extra)
    return environ


def _call_wsgi(environ: dict) -> tuple[int, dict]:
    """Django's own WSGI handler, given the environ a server such as gunicorn passes on a
    chunked request: the body already de-chunked in wsgi.input, no CONTENT_LENGTH."""
    from django.core.handlers.wsgi import WSGIHandler

    status = []
    chunks = WSGIHandler()(environ, lambda line, headers: status.append(int(line.split()[0])))
    return status[0], json.loads(b"".join(chunks))


def test_a_chunked_body_without_a_length_is_read_when_the_server_ended_it(client):
    body = json.dumps(shapes.text("chunked")).encode()

    status, answer = _call_wsgi(_wsgi_environ(body, **{"wsgi.input_terminated": True}))

    assert (status, answer) == (200, {"status": "stored"})
    assert InboundMessage.objects.get().text == "chunked"


def test_a_chunked_body_over_the_limit_is_413(client, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 2048
    body = json.dumps(shapes.text("x" * 5000)).encode()

    status, _ = _call_wsgi(_wsgi_environ(body, **{"wsgi.input_terminated": True}))

    assert status == 413
    assert not InboundMessage.objects.exists()


def test_a_body_without_a_length_from_a_server_that_did_not_end_it_is_not_read(client):
    # Without wsgi.input_terminated, reading past CONTENT_LENGTH may block for ever.
    body = json.dumps(shapes.text()).encode()

    status, answer = _call_wsgi(_wsgi_environ(body))

    assert status == 400 and "not JSON" in answer["error"]
    assert not InboundMessage.objects.exists()


def _integrity_error(create) -> IntegrityError:
    try:
        with transaction.atomic():
            create()
    except IntegrityError as error:
        return error
    raise AssertionError("the database took the row")


def test_only_a_unique_key_violation_of_a_stored_delivery_is_a_duplicate(client):
    from messaging import inbox
    from messaging.payloads import normalise

    payload = shapes.text()
    post(client, payload)
    message = normalise(payload)
    row = {
        "webhook_type": message.webhook_type,
        "provider_message_id": message.provider_message_id,
    }

    resend = _integrity_error(lambda: InboundMessage.objects.create(**row))

    assert inbox._is_duplicate_delivery(resend, message)
    if connection.vendor == "sqlite":  # MongoDB has no NOT NULL constraint to break
        broken = _integrity_error(lambda: InboundMessage.objects.create(**row, raw=None))
        assert not inbox._is_duplicate_delivery(broken, message)
