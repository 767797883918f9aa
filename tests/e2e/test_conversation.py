"""A bursty Hebrew conversation end to end: webhooks over HTTP, Redis, a real worker, the
fake Green API. Four fragments typed 0.4 s apart are one turn (the lane's quiet window is
1 s): one lead, one reply, the best pro asked once; the pro approves; the customer asks
what it costs and gets the pro's price list from the database."""

import time
from decimal import Decimal

import pytest

from leads.models import Lead, LeadStatus
from tests.e2e.conftest import wait_for
from tests.e2e.test_job_flow import buttons_to, post_webhook, press, texts_to
from tests.factories import PriceItemFactory
from tests.messaging import shapes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BURST = ["שלום", "יש לי נזילה מתחת לכיור", "אני בחיפה, רחוב הרצל 10", "מחר ב-10"]


def test_a_bursty_conversation_from_first_fragment_to_approval_and_a_price_question(
    live_server, celery_worker_process, green_api, haifa_pros
):
    customer = "972541230077@c.us"
    best = haifa_pros["best"]
    PriceItemFactory(pro=best, service="ביקור טכנאי", price=Decimal("250"))
    for fragment in BURST:
        assert post_webhook(live_server.url, shapes.text(fragment, chat_id=customer)) == 200
        time.sleep(0.4)

    offers = wait_for(lambda: buttons_to(green_api, best.chat_id), timeout=60)
    replies = wait_for(lambda: texts_to(green_api, customer), timeout=30)
    time.sleep(2)  # anything a second turn would have sent has arrived by now
    assert len(buttons_to(green_api, best.chat_id)) == 1
    assert len(texts_to(green_api, customer)) == 1
    assert "ביקשנו מYossi Cohen לאשר" in replies[0] and "בשעה 10:00" in replies[0]
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.AWAITING_PRO and lead.pro == best
    assert lead.description == "\n".join(BURST)

    press(live_server.url, best, offers[0], "אשר")
    wait_for(lambda: [t for t in texts_to(green_api, customer) if t.startswith("✅ נקבע!")])

    assert post_webhook(live_server.url, shapes.text("כמה זה עולה?", chat_id=customer)) == 200
    price = wait_for(
        lambda: [t for t in texts_to(green_api, customer) if "המחירון של Yossi Cohen" in t],
        timeout=30,
    )
    assert "₪250" in price[0]
    assert Lead.objects.get().status == LeadStatus.BOOKED
