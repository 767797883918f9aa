"""A pro blocks tomorrow by WhatsApp, end to end: webhooks over HTTP, Redis, a real worker,
the fake Green API.

The best Haifa plumber writes "חסום מחר", gets the preview with Apply/Cancel buttons and
presses Apply; his free slot tomorrow is closed. A customer who then asks for tomorrow at
10:00 is offered another pro (when he has no other free time) or another day of his (when
he has one).
"""

import datetime as dt

import pytest

from leads.models import Lead, LeadStatus
from messaging.models import OutboundMessage
from pros.models import ProCommand, ProCommandState
from scheduling.models import Slot
from tests.e2e.conftest import tomorrow_at, wait_for
from tests.e2e.test_job_flow import buttons_to, post_webhook, texts_to
from tests.factories import SlotFactory
from tests.messaging import shapes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOB = "יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00"


def block_tomorrow(url: str, green_api, pro) -> None:
    """The pro writes "חסום מחר" and presses Apply on the preview."""
    assert post_webhook(url, shapes.text("חסום מחר", chat_id=pro.chat_id)) == 200

    previews = wait_for(lambda: buttons_to(green_api, pro.chat_id), timeout=60)
    assert len(previews) == 1
    preview = previews[0]
    assert "לסגור ביומן" in preview["body"] and "10:00–11:00" in preview["body"]
    assert [b["buttonText"] for b in preview["buttons"]] == ["אישור", "ביטול"]
    assert not Slot.objects.filter(pro=pro, closed=True).exists()  # not before Apply

    apply = preview["buttons"][0]
    question = OutboundMessage.objects.get(chat_id=pro.chat_id, buttons__isnull=False)
    payload = shapes.interactive_reply(
        selected_id=apply["buttonId"], text=apply["buttonText"], chat_id=pro.chat_id
    )
    payload["messageData"]["interactiveButtonsResponse"]["stanzaId"] = question.provider_message_id
    assert post_webhook(url, payload) == 200

    done = wait_for(
        lambda: [t for t in texts_to(green_api, pro.chat_id) if t.startswith("✅")], timeout=60
    )
    assert done == ["✅ בוצע: נסגר חלון אחד ביומן."]
    assert Slot.objects.get(pro=pro, start=tomorrow_at(10)).closed
    assert ProCommand.objects.get(pro=pro).state == ProCommandState.APPLIED


def test_a_customer_asking_for_a_blocked_tomorrow_is_offered_another_pro(
    live_server, celery_worker_process, green_api, haifa_pros
):
    best, following = haifa_pros["best"], haifa_pros["next"]
    customer = "972541239001@c.us"

    block_tomorrow(live_server.url, green_api, best)
    assert post_webhook(live_server.url, shapes.text(JOB, chat_id=customer)) == 200

    offers = wait_for(lambda: buttons_to(green_api, following.chat_id), timeout=60)
    assert len(offers) == 1 and "10:00" in offers[0]["body"]
    lead = Lead.objects.get()
    assert lead.pro == following and lead.status == LeadStatus.AWAITING_PRO
    assert Slot.objects.get(lead=lead).pro == following
    asked = wait_for(lambda: texts_to(green_api, customer), timeout=60)
    assert any("Rina Levi" in text for text in asked)
    assert len(buttons_to(green_api, best.chat_id)) == 1  # the preview only, no job
    assert Slot.objects.get(pro=best, start=tomorrow_at(10)).lead is None


def test_a_customer_asking_for_a_blocked_tomorrow_is_offered_another_day(
    live_server, celery_worker_process, green_api, haifa_pros
):
    best = haifa_pros["best"]
    day_after = tomorrow_at(10) + dt.timedelta(days=1)
    SlotFactory(pro=best, start=day_after, end=day_after + dt.timedelta(hours=1))
    customer = "972541239002@c.us"

    block_tomorrow(live_server.url, green_api, best)
    assert post_webhook(live_server.url, shapes.text(JOB, chat_id=customer)) == 200

    offers = wait_for(lambda: buttons_to(green_api, customer), timeout=60)
    assert len(offers) == 1
    labels = [b["buttonText"] for b in offers[0]["buttons"]]
    assert len(labels) == 1 and labels[0].endswith(f" {day_after.day}.{day_after.month} 10:00")
    lead = Lead.objects.get()
    assert lead.pro == best and lead.status == LeadStatus.CONTACTED
    assert not Slot.objects.filter(lead=lead).exists()  # the customer chooses first
    assert Slot.objects.get(pro=best, start=tomorrow_at(10)).closed
