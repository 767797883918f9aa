"""The WhatsApp simulator: staff-only pages, webhook-shaped payloads through `ingest`, and
the conversation feed the page polls."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from leads.conversation import process_inbound
from messaging import inbox, outbox, simulator
from messaging.models import (
    InboundMessage,
    MessageKind,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    ProcessingState,
)
from messaging.payloads import normalise
from tests.factories import CustomerFactory, InboundMessageFactory, ProFactory

PAGE = "/simulator/"
SEND = "/simulator/send"
MESSAGES = "/simulator/messages"
CHAT = "972541234567@c.us"


def post_json(client, body, **extra):
    return client.post(SEND, data=json.dumps(body), content_type="application/json", **extra)


def feed(client, **params):
    response = client.get(MESSAGES, params)
    assert response.status_code == 200, response.content
    return response.json()


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [PAGE, MESSAGES, SEND])
def test_anonymous_visitors_are_sent_to_the_admin_login(client, url):
    response = client.get(url) if url != SEND else post_json(client, {"phone": CHAT, "text": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_staff_only_not_just_logged_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("customer", password="pw-For-1"))

    response = post_json(client, {"phone": CHAT, "text": "שלום"})

    assert response.status_code == 302
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_sending_needs_the_csrf_token(django_user_model):
    staff = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-For-1")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    page = client.get(PAGE)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)

    refused = post_json(client, {"phone": CHAT, "text": "שלום"})
    accepted = post_json(client, {"phone": CHAT, "text": "שלום"}, HTTP_X_CSRFTOKEN=token.decode())

    assert refused.status_code == 403
    assert accepted.status_code == 200


# --- The page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_lists_demo_pros_and_recent_chats(admin_client):
    ProFactory(name="יוסי האינסטלטור", phone="052-7654321", trades=["plumbing"])
    ProFactory(name="Retired Pro", active=False)
    CustomerFactory(chat_id=CHAT, name="דנה לוי")
    InboundMessageFactory(chat_id=CHAT)

    response = admin_client.get(PAGE)

    assert response.status_code == 200
    boot = json.loads(re.search(rb'id="sim-boot"[^>]*>(.*?)</script>', response.content).group(1))
    assert [pro["name"] for pro in boot["pros"]] == ["יוסי האינסטלטור"]
    assert boot["pros"][0]["chat_id"] == "972527654321@c.us"
    assert boot["chats"][0]["name"] == "דנה לוי"
    assert boot["chats"][0]["phone"] == "054-123-4567"
    assert "csrfmiddlewaretoken" in response.content.decode()


@pytest.mark.django_db
def test_the_page_loads_nothing_from_outside(admin_client):
    html = admin_client.get(PAGE).content.decode()

    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert all(not link.startswith(("http:", "https:", "//")) for link in links)
    assert "<link" not in html  # CSS is inline
    assert "<script src" not in html


@pytest.mark.django_db
def test_the_page_can_open_a_chat_from_the_address(admin_client):
    response = admin_client.get(PAGE, {"chat": "054-1234567"})

    boot = json.loads(re.search(rb'id="sim-boot"[^>]*>(.*?)</script>', response.content).group(1))
    assert boot["opened"]["chat_id"] == CHAT


# --- Sending --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_text_goes_through_ingest_and_a_worker_answers(
    admin_client, broker_queue, django_capture_on_commit_callbacks
):
    # Given: the test's own embedded broker, so we can see what the webhook path enqueues
    # When: a customer writes from 054-1234567
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            admin_client, {"phone": "054-1234567", "name": "דנה לוי", "text": "יש לי נזילה בחיפה"}
        )

    # Then: stored through ingest like a webhook, and handed to the workers after commit
    assert response.status_code == 200
    assert response.json()["status"] == "stored"
    assert response.json()["chat_id"] == CHAT
    message = InboundMessage.objects.get()
    assert (message.chat_id, message.kind, message.text) == (
        CHAT,
        MessageKind.TEXT,
        "יש לי נזילה בחיפה",
    )
    assert message.sender_name == "דנה לוי"
    assert message.webhook_type == "incomingMessageReceived"
    assert message.provider_message_id.startswith("SIM")
    assert broker_queue() == [(inbox.PROCESS_TASK, [str(message.pk)])]

    # When: a worker processes it
    assert process_inbound(message.pk) == "asked"

    # Then: the page's feed shows the message and Fixi's greeting after it
    data = feed(admin_client, chat_id=CHAT)
    assert [m["direction"] for m in data["messages"]] == ["in", "out"]
    mine, greeting = data["messages"]
    assert (mine["kind"], mine["state"]) == ("text", ProcessingState.DONE)
    assert "דנה" in greeting["text"]
    assert greeting["status"] == OutboundStatus.QUEUED
    assert data["chat"] == {
        "chat_id": CHAT,
        "phone": "054-123-4567",
        "name": "דנה לוי",
        "role": "customer",
    }
    assert data["chats"][0]["chat_id"] == CHAT


@pytest.mark.django_db
def test_the_feed_shows_the_simulator_transport_marking_a_reply_sent(admin_client):
    reply = outbox.queue_text(CHAT, "שלום!")
    before = feed(admin_client, chat_id=CHAT)

    assert outbox.send(reply.pk).result == "sent"  # no Green API credentials: simulated

    after = feed(admin_client, chat_id=CHAT, after=before["cursor"])
    update = next(u for u in after["updates"] if u["id"] == str(reply.pk))
    assert update["status"] == OutboundStatus.SENT
    assert update["provider_message_id"].startswith("sim-")


@pytest.mark.django_db
def test_a_button_press_is_a_button_reply_to_the_quoted_message(admin_client):
    pro = ProFactory(phone="052-7654321")
    question = OutboundMessage.objects.create(
        chat_id=pro.chat_id,
        kind=OutboundKind.BUTTONS,
        text="ליד חדש\n\n1 - אשר\n2 - דחה",
        buttons=[{"id": "1", "text": "אשר"}, {"id": "2", "text": "דחה"}],
        status=OutboundStatus.SENT,
        provider_message_id="sim-abc123",
    )

    response = post_json(
        admin_client,
        {
            "phone": "052-7654321",
            "name": pro.name,
            "button_id": "2",
            "button_text": "דחה",
            "quoted_message_id": question.provider_message_id,
        },
    )

    assert response.status_code == 200, response.content
    message = InboundMessage.objects.get()
    assert (message.kind, message.button_id, message.text) == (MessageKind.BUTTON, "2", "דחה")
    assert message.quoted_message_id == "sim-abc123"
    assert message.chat_id == pro.chat_id
    press = message.raw["messageData"]["interactiveButtonsResponse"]
    assert press["selectedIndex"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"phone": "12", "text": "שלום"}, "'12' is not a phone number (too few digits)"),
        ({"phone": "abc", "text": "שלום"}, "'abc' is not a phone number"),
        ({"phone": "0000000000", "text": "שלום"}, "not in the numbering plan of +972"),
        ({"phone": "054-1234567 שלוחה 5", "text": "שלום"}, "has an extension (5)"),
        ({"phone": "", "text": "שלום"}, "phone is missing"),
        ({"phone": "120363043968066561@g.us", "text": "שלום"}, "private chats only"),
        ({"phone": "054-1234567", "text": "   "}, "text is empty"),
        ({"phone": "054-1234567"}, "text is empty"),
        ({"phone": "054-1234567", "text": 5}, "text must be a string"),
        ({"phone": "054-1234567", "text": "x" * 20_001}, "longer than"),
        ({"phone": "054-1234567", "button_id": "1"}, "quoted_message_id is missing"),
        (
            {"phone": "054-1234567", "button_id": "1", "quoted_message_id": "sim-nope"},
            "no message",
        ),
    ],
)
def test_bad_input_is_refused_with_a_reason(admin_client, body, reason):
    response = post_json(admin_client, body)

    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_button_the_message_does_not_have_is_refused(admin_client):
    OutboundMessage.objects.create(
        chat_id=CHAT,
        kind=OutboundKind.BUTTONS,
        text="?",
        buttons=[{"id": "1", "text": "אשר"}],
        provider_message_id="sim-1",
    )

    response = post_json(
        admin_client, {"phone": CHAT, "button_id": "7", "quoted_message_id": "sim-1"}
    )

    assert response.status_code == 400
    assert "no button" in response.json()["error"]


@pytest.mark.django_db
def test_a_body_that_is_not_a_json_object_is_refused(admin_client):
    not_json = admin_client.post(SEND, data="phone=1", content_type="text/plain")
    a_list = post_json(admin_client, ["054-1234567", "שלום"])

    assert (not_json.status_code, a_list.status_code) == (400, 400)


# --- The feed -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_feed_returns_only_newer_messages_after_a_cursor(admin_client):
    for text, age in (("an hour ago", 60), ("half an hour ago", 30)):
        old = InboundMessageFactory(chat_id=CHAT, text=text)
        InboundMessage.objects.filter(pk=old.pk).update(
            created_at=old.created_at - dt.timedelta(minutes=age)
        )
    first = feed(admin_client, chat_id=CHAT)
    assert [m["text"] for m in first["messages"]] == ["an hour ago", "half an hour ago"]

    outbox.queue_text(CHAT, "new")
    later = feed(admin_client, chat_id=CHAT, after=first["cursor"])

    # The last message seen comes again (polls overlap a little; the page de-duplicates).
    assert [m["text"] for m in later["messages"]] == ["half an hour ago", "new"]
    assert later["cursor"] > first["cursor"]


@pytest.mark.django_db
def test_the_feed_leaves_out_other_chats_and_status_webhooks(admin_client):
    InboundMessageFactory(chat_id=CHAT, text="mine")
    InboundMessageFactory(chat_id="972500000000@c.us", text="someone else")
    InboundMessageFactory(
        chat_id=CHAT, webhook_type="outgoingMessageStatus", kind=MessageKind.STATUS, text=""
    )

    data = feed(admin_client, chat_id=CHAT)

    assert [m["text"] for m in data["messages"]] == ["mine"]


@pytest.mark.django_db
def test_times_are_shown_in_israel(admin_client):
    message = InboundMessageFactory(chat_id=CHAT)
    summer_morning = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
    InboundMessage.objects.filter(pk=message.pk).update(created_at=summer_morning)

    item = feed(admin_client, chat_id=CHAT)["messages"][0]

    assert (item["time"], item["date"]) == ("12:00", "2025-07-01")  # IDT, UTC+3
    assert item["created_at"] == "2025-07-01T09:00:00.000000Z"


@pytest.mark.django_db
def test_the_chat_list_is_newest_first_with_pro_and_customer_names(admin_client):
    pro = ProFactory(name="אבי החשמלאי", phone="052-7654321")
    CustomerFactory(chat_id=CHAT, name="דנה לוי")
    InboundMessageFactory(chat_id=CHAT)
    outbox.queue_text(pro.chat_id, "ליד חדש")

    chats = feed(admin_client)["chats"]

    assert [(c["name"], c["role"]) for c in chats] == [
        ("אבי החשמלאי", "pro"),
        ("דנה לוי", "customer"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"chat_id": "abc"}, {"chat_id": CHAT, "after": "yesterday"}])
def test_the_feed_refuses_bad_parameters(admin_client, params):
    assert admin_client.get(MESSAGES, params).status_code == 400


# --- Payload builders -----------------------------------------------------------------------


def test_text_payload_is_a_green_api_incoming_text_message():
    payload = simulator.text_payload(
        CHAT, "דנה", "שלום", message_id="SIMABC", timestamp=1_750_000_000
    )

    assert payload == {
        "typeWebhook": "incomingMessageReceived",
        "instanceData": simulator.SIMULATOR_INSTANCE,
        "timestamp": 1_750_000_000,
        "idMessage": "SIMABC",
        "senderData": {
            "chatId": CHAT,
            "sender": CHAT,
            "chatName": "דנה",
            "senderName": "דנה",
            "senderContactName": "",
        },
        "messageData": {"typeMessage": "textMessage", "textMessageData": {"textMessage": "שלום"}},
    }
    message = normalise(payload)
    assert (message.kind, message.text, message.chat_id) == (MessageKind.TEXT, "שלום", CHAT)


def test_button_payload_is_an_interactive_buttons_response():
    payload = simulator.button_payload(
        CHAT,
        "יוסי",
        button_id="1",
        button_text="אשר",
        selected_index=0,
        quoted_message_id="sim-abc",
        message_id="SIMDEF",
        timestamp=1_750_000_000,
    )

    assert payload["messageData"] == {
        "typeMessage": "interactiveButtonsResponse",
        "interactiveButtonsResponse": {
            "stanzaId": "sim-abc",
            "selectedIndex": 0,
            "selectedId": "1",
            "selectedDisplayText": "אשר",
        },
    }
    message = normalise(payload)
    assert (message.kind, message.button_id, message.text) == (MessageKind.BUTTON, "1", "אשר")
    assert message.quoted_message_id == "sim-abc"
    assert message.sender_name == "יוסי"


def test_message_ids_are_unique():
    assert simulator.new_message_id() != simulator.new_message_id()


@pytest.mark.parametrize(
    ("chat_id", "shown"),
    [
        ("972541234567@c.us", "054-123-4567"),
        ("97231234567@c.us", "03-123-4567"),
        ("14155550100@c.us", "+1 415-555-0100"),
        ("447911123456@c.us", "+44 7911 123456"),
    ],
)
def test_phones_are_shown_the_israeli_way(chat_id, shown):
    assert simulator.local_phone(chat_id) == shown


@pytest.mark.parametrize(
    ("typed", "chat_id"),
    [
        ("054-1234567", "972541234567@c.us"),
        ("054 123 4567", "972541234567@c.us"),
        ("(054) 123-4567", "972541234567@c.us"),
        ("+972 (0)54-123-4567", "972541234567@c.us"),
        ("00972541234567", "972541234567@c.us"),
        ("972541234567@c.us", "972541234567@c.us"),
        ("03-1234567", "97231234567@c.us"),  # a business on WhatsApp may be on a landline
        ("+44 7911 123456", "447911123456@c.us"),
    ],
)
def test_the_number_field_takes_any_common_spelling(typed, chat_id):
    assert simulator.private_chat_id(typed) == chat_id
