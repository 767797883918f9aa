"""A customer in a town no pro lists: a pro of the next town is asked and the customer is
told the pro comes from nearby; with nobody within the radius, the SOS report as before.

The cities are the gazetteer's (Haifa, Nesher, Eilat): a City row takes the gazetteer's
coordinates when it is created, so the distances are the real ones."""

import datetime as dt

import pytest
from django.utils import timezone

from leads import monitors
from leads.conversation import process_inbound
from leads.conversation.outcomes import Outcome
from leads.models import Lead, LeadStatus
from messaging import inbox
from messaging.models import OutboundMessage
from tests.factories import CityFactory, ProFactory, SlotFactory
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

CUSTOMER = shapes.CUSTOMER
ADMIN = "972500000999"
HEBREW_JOB = "יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00"
ENGLISH_JOB = "Leaking pipe under my sink at 10 Herzl Street, Haifa. Tomorrow at 10:00 please"


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def say(body: str) -> str:
    return process_inbound(inbox.ingest(shapes.text(body)).inbound_id)


def to(chat_id):
    return OutboundMessage.objects.filter(chat_id=chat_id).order_by("created_at")


def plumber_of(slug: str, name_he: str, name_en: str, pro_name: str):
    city = CityFactory(slug=slug, name_he=name_he, name_en=name_en)
    pro = ProFactory(name=pro_name, trades=["plumbing"], cities=[city])
    SlotFactory(pro=pro, start=tomorrow_at(10), end=tomorrow_at(11))
    return pro


@pytest.fixture
def haifa_with_no_pro(db):
    return CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")


def test_the_gazetteers_cities_are_created_with_their_coordinates(haifa_with_no_pro):
    assert haifa_with_no_pro.latitude == pytest.approx(32.81, abs=0.01)
    assert haifa_with_no_pro.longitude == pytest.approx(35.00, abs=0.01)
    assert haifa_with_no_pro.name_ar == "حيفا" and haifa_with_no_pro.name_ru == "Хайфа"


@pytest.mark.parametrize(
    ("job", "words"),
    [
        (HEBREW_JOB, ["מצאנו אחד קרוב: בנשר", "ק״מ"]),
        (ENGLISH_JOB, ["we found one nearby: in Nesher", "km away"]),
    ],
)
def test_a_pro_of_the_next_town_is_asked_and_the_customer_is_told_it_is_nearby(
    haifa_with_no_pro, job, words
):
    pro = plumber_of("nesher", "נשר", "Nesher", "Moshe Levi")

    assert say(job) == Outcome.ASKED_PRO

    lead = Lead.objects.get()
    assert lead.pro == pro and lead.status == LeadStatus.AWAITING_PRO
    nearby = lead.routing_reason["nearby"]
    assert nearby["city"] == "Nesher" and 3 < nearby["km"] < 12
    reply = to(CUSTOMER).last().text
    for word in words:
        assert word in reply
    assert "Moshe Levi" in reply  # then the usual "we've asked ... to confirm"
    assert to(pro.chat_id).count() == 1  # the pro got the job


def test_nobody_within_the_radius_reaches_the_sos_report_as_before(haifa_with_no_pro, settings):
    settings.ADMIN_WHATSAPP = ADMIN
    plumber_of("eilat", "אילת", "Eilat", "Far Away")  # 360 km south

    assert say(HEBREW_JOB) == Outcome.NO_PRO

    lead = Lead.objects.get()
    assert lead.status == LeadStatus.UNASSIGNED and lead.pro is None
    assert lead.routing_reason["why"] == "No active pro serves Haifa for plumbing."
    assert to(CUSTOMER).last().text.endswith("Fixi Support")
    assert monitors.report(now=timezone.now() + dt.timedelta(minutes=1)).counts == {"reported": 1}
    report = to(f"{ADMIN}@c.us").get().text
    assert "חיפה · אינסטלציה" in report and "No active pro serves Haifa for plumbing." in report
