"""A Haifa job end to end: webhooks over HTTP, Redis, a real worker, the fake Green API.

The customer's one message reaches the best eligible Haifa plumber with approve/reject
buttons; his rejection reaches the next one; her approval sends the customer a
confirmation. Inactive pros, other cities and other trades are never messaged.
"""

import json
import urllib.request

import pytest

from leads.models import Lead, LeadStatus
from messaging.models import OutboundMessage
from tests.e2e.conftest import WEBHOOK_TOKEN, wait_for
from tests.messaging import shapes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MESSAGES = {
    "he": "יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00",
    "en": "Hi, leaking pipe under my sink at 10 Herzl Street, Haifa. Tomorrow at 10am please",
}
CONFIRMATIONS = {"he": "✅ נקבע! Rina Levi", "en": "✅ Booked! Rina Levi"}


def post_webhook(url: str, payload: dict) -> int:
    request = urllib.request.Request(
        url + "/webhook",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {WEBHOOK_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def buttons_to(green_api, chat_id: str) -> list[dict]:
    return [
        call["json"]
        for call in green_api.calls("sendInteractiveButtonsReply")
        if call["json"]["chatId"] == chat_id
    ]


def texts_to(green_api, chat_id: str) -> list[str]:
    return [
        call["json"]["message"]
        for call in green_api.calls("sendMessage")
        if call["json"]["chatId"] == chat_id
    ]


def press(url: str, pro, offer: dict, button_text: str) -> None:
    """The pro presses a button on the offer, as Green API reports it."""
    button = next(b for b in offer["buttons"] if b["buttonText"] == button_text)
    question = OutboundMessage.objects.get(chat_id=pro.chat_id, buttons__isnull=False)
    payload = shapes.interactive_reply(
        selected_id=button["buttonId"], text=button_text, chat_id=pro.chat_id
    )
    payload["messageData"]["interactiveButtonsResponse"]["stanzaId"] = question.provider_message_id
    assert post_webhook(url, payload) == 200


@pytest.mark.parametrize("language", ["he", "en"])
def test_haifa_job_reaches_the_best_plumber_then_the_next_and_is_confirmed(
    language, live_server, celery_worker_process, green_api, haifa_pros
):
    customer = f"97254{'1' if language == 'he' else '2'}230001@c.us"
    best, following = haifa_pros["best"], haifa_pros["next"]

    assert post_webhook(live_server.url, shapes.text(MESSAGES[language], chat_id=customer)) == 200

    offers = wait_for(lambda: buttons_to(green_api, best.chat_id), timeout=60)
    assert len(offers) == 1
    assert [b["buttonText"] for b in offers[0]["buttons"]] == ["אשר", "דחה"]
    assert "רחוב הרצל 10" in offers[0]["body"] or "10 Herzl Street" in offers[0]["body"]
    assert "10:00" in offers[0]["body"] and "1 - אשר" in offers[0]["body"]

    press(live_server.url, best, offers[0], "דחה")

    second_offers = wait_for(lambda: buttons_to(green_api, following.chat_id), timeout=60)
    assert len(second_offers) == 1

    press(live_server.url, following, second_offers[0], "אשר")

    confirmed = wait_for(
        lambda: [t for t in texts_to(green_api, customer) if t.startswith(CONFIRMATIONS[language])],
        timeout=60,
    )
    assert len(confirmed) == 1 and "10:00" in confirmed[0] and "₪240" in confirmed[0]
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.BOOKED and lead.pro == following
    for key in ("inactive", "tel_aviv", "electrician"):
        chat = haifa_pros[key].chat_id
        assert not buttons_to(green_api, chat) and not texts_to(green_api, chat), key
    assert len(buttons_to(green_api, best.chat_id)) == 1  # asked once, never again
