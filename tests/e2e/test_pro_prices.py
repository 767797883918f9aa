"""A quote and a price end to end: webhooks over HTTP, Redis, a real worker, the fake
Green API.

The best Haifa plumber approves a job, writes "הצעה 450 החלפת ברז", the customer presses
Approve, the pro is told and writes "סיימתי 450"; the customer gets the receipt and then
the rating question, and the dashboard's revenue shows ₪450.
"""

import re

import pytest

from leads.models import Lead, LeadStatus, QuoteStatus
from messaging.models import OutboundMessage
from tests.e2e.conftest import wait_for
from tests.e2e.test_job_flow import buttons_to, post_webhook, texts_to
from tests.messaging import shapes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOB = "יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00"
CUSTOMER = "972541239101@c.us"


def press(url: str, chat_id: str, shown: dict, button_text: str) -> None:
    """A press on a button message as Green API reports it: quoting the message."""
    button = next(b for b in shown["buttons"] if b["buttonText"] == button_text)
    question = OutboundMessage.objects.filter(chat_id=chat_id, buttons__isnull=False).latest(
        "created_at"
    )
    payload = shapes.interactive_reply(
        selected_id=button["buttonId"], text=button_text, chat_id=chat_id
    )
    payload["messageData"]["interactiveButtonsResponse"]["stanzaId"] = question.provider_message_id
    assert post_webhook(url, payload) == 200


def test_a_quote_approved_and_a_job_finished_with_its_price_reach_the_dashboard(
    live_server, celery_worker_process, green_api, haifa_pros, admin_client
):
    pro = haifa_pros["best"]
    url = live_server.url
    assert post_webhook(url, shapes.text(JOB, chat_id=CUSTOMER)) == 200
    offer = wait_for(lambda: buttons_to(green_api, pro.chat_id), timeout=60)[0]
    press(url, pro.chat_id, offer, "אשר")
    wait_for(lambda: Lead.objects.filter(status=LeadStatus.BOOKED).exists(), timeout=60)

    assert post_webhook(url, shapes.text("הצעה 450 החלפת ברז", chat_id=pro.chat_id)) == 200

    quote = wait_for(lambda: buttons_to(green_api, CUSTOMER), timeout=60)[0]
    assert "₪450" in quote["body"] and "החלפת ברז" in quote["body"]
    assert [b["buttonText"] for b in quote["buttons"]] == ["אישור", "דחייה"]
    press(url, CUSTOMER, quote, "אישור")
    wait_for(
        lambda: [t for t in texts_to(green_api, pro.chat_id) if "אישר/ה את ההצעה" in t],
        timeout=60,
    )
    assert Lead.objects.get().quote_status == QuoteStatus.ACCEPTED

    assert post_webhook(url, shapes.text("סיימתי 450", chat_id=pro.chat_id)) == 200

    def receipt_and_rating():
        sent = texts_to(green_api, CUSTOMER)
        at = next((i for i, text in enumerate(sent) if text.startswith("🧾")), None)
        return sent[at:] if at is not None and len(sent) > at + 1 else None

    receipt, rating = wait_for(receipt_and_rating, timeout=60)[:2]
    assert "החלפת ברז" in receipt and "₪450" in receipt and "Yossi Cohen" in receipt
    assert "1 (גרוע) עד 5" in rating
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.COMPLETED and lead.final_price == 450

    page = admin_client.get("/admin/").content.decode()
    today = re.search(r'data-figure="revenue-today"><bdi>([^<]+)</bdi>', page)
    assert today and today.group(1) == "₪450"
