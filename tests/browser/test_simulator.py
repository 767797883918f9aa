"""The WhatsApp simulator in Chromium: a customer's Hebrew message in, Fixi's reply on the
page. This lane has no Celery worker, so the test does the worker's part itself by calling
the task's function; the e2e lane runs a real worker."""

import time

import pytest

from leads.conversation import process_inbound
from messaging.models import InboundMessage, OutboundMessage

pytestmark = pytest.mark.browser

CHAT = "972541234567@c.us"
TYPED = "שלום, יש לי נזילה בכיור במטבח בחיפה"


def stored_message(chat_id: str, timeout: float = 10.0) -> InboundMessage:
    deadline = time.monotonic() + timeout
    while (message := InboundMessage.objects.filter(chat_id=chat_id).first()) is None:
        assert time.monotonic() < deadline, f"nothing from {chat_id} reached the database"
        time.sleep(0.1)
    return message


def test_a_customer_chats_in_hebrew_and_sees_fixis_reply(admin_page, expect):
    # Given: the simulator with a chat opened as a new customer's phone
    admin_page.goto("/simulator/")
    admin_page.fill("#phone", "054-1234567")
    admin_page.fill("#name", "דנה לוי")
    admin_page.locator("#newchat [type=submit]").click()
    expect(admin_page.locator("#conv-phone")).to_have_text("054-123-4567")

    # When: the customer types a message in Hebrew and a worker processes it
    admin_page.fill("#text", TYPED)
    admin_page.keyboard.press("Enter")
    expect(admin_page.locator(".msg.mine .text")).to_have_text(TYPED)
    assert process_inbound(stored_message(CHAT).pk) == "asked"

    # Then: Fixi's reply appears under it on the page, as stored in the outbox
    reply = OutboundMessage.objects.filter(chat_id=CHAT).order_by("created_at").first()
    assert reply is not None and reply.text
    expect(admin_page.locator(".msg.fixi .text").first).to_have_text(reply.text)
