"""A manager working leads in Chromium: reassigning a lead through its dialog, and taking
a conversation over from the bot in the inbox. The lead comes from a real conversation,
handled as a worker would (ingest, then process_inbound)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from leads.conversation import process_inbound
from leads.models import Lead, LeadEvent, LeadStatus
from messaging import inbox
from messaging.models import OutboundMessage
from tests.factories import CityFactory, ProFactory, SlotFactory
from tests.messaging import shapes

pytestmark = pytest.mark.browser

HEBREW_JOB = "יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00"


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def plumbers():
    """Two Haifa plumbers free tomorrow at 10:00; Yossi is routed first."""
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    best = ProFactory(
        name="Yossi Cohen", rating=4.9, review_count=120, trades=["plumbing"], cities=[haifa]
    )
    second = ProFactory(
        name="Rina Levi", rating=4.7, review_count=80, trades=["plumbing"], cities=[haifa]
    )
    for pro in (best, second):
        SlotFactory(pro=pro, start=tomorrow_at(10), end=tomorrow_at(11))
    return {"best": best, "second": second}


@pytest.fixture
def lead_asking_yossi(plumbers) -> Lead:
    """The customer's one Hebrew message with everything: Yossi is asked to take the job."""
    outcome = process_inbound(inbox.ingest(shapes.text(HEBREW_JOB)).inbound_id)
    assert outcome == "asked_pro"
    lead = Lead.objects.get()
    assert lead.pro == plumbers["best"]
    return lead


def test_a_manager_reassigns_a_lead_to_another_pro(admin_page, expect, lead_asking_yossi, plumbers):
    second = plumbers["second"]
    # Given: the lead's page, Yossi asked
    admin_page.goto(f"/admin/leads/lead/{lead_asking_yossi.pk}/change/")

    # When: the manager opens the Reassign dialog, picks Rina and gives a reason
    admin_page.get_by_role("link", name=re.compile("Reassign")).click()
    dialog = admin_page.locator("#dialog")
    expect(dialog).to_be_visible()
    dialog.locator("select[name=pro]").select_option(str(second.pk))
    dialog.locator("input[name=reason]").fill("Yossi is on sick leave")
    dialog.locator("[type=submit]").click()

    # Then: the page reloads saying Rina was asked, and the lead is hers
    expect(admin_page.get_by_text("Rina Levi has been asked to take the job.")).to_be_visible()
    lead = Lead.objects.get(pk=lead_asking_yossi.pk)
    assert (lead.status, lead.pro) == (LeadStatus.AWAITING_PRO, second)
    event = LeadEvent.objects.get(lead=lead, action="reassigned")
    assert (event.actor, event.actor_name, event.reason) == (
        "admin",
        "manager",
        "Yossi is on sick leave",
    )


def test_a_manager_takes_over_a_conversation_from_the_inbox(admin_page, expect, lead_asking_yossi):
    # Given: the inbox lists the customer's open conversation, the bot answering
    admin_page.goto("/admin/leads/lead/inbox/")
    row = admin_page.locator(f"tr[data-lead='{lead_asking_yossi.pk}']")
    expect(row).to_contain_text("Answering")

    # When: the manager opens it, takes over and writes to the customer
    row.locator("a").first.click()
    page = admin_page.locator("#conversation-page")
    expect(page).to_have_attribute("data-paused", "0")
    admin_page.get_by_role("button", name="Take over (pause the bot)").click()
    expect(page).to_have_attribute("data-paused", "1")
    admin_page.locator("#message-form textarea[name=text]").fill("מגיעים מחר ב-10, יוסי")
    admin_page.locator("#message-form [type=submit]").click()

    # Then: the bot is paused, and the message is in the outbox and in the thread
    expect(admin_page.locator("#conversation .fixi-out .fixi-text").last).to_have_text(
        "מגיעים מחר ב-10, יוסי"
    )
    assert Lead.objects.get(pk=lead_asking_yossi.pk).bot_paused
    sent = OutboundMessage.objects.filter(chat_id=shapes.CUSTOMER).order_by("created_at").last()
    assert (sent.text, sent.topic) == ("מגיעים מחר ב-10, יוסי", f"lead:{lead_asking_yossi.pk}")
    admin_page.goto("/admin/leads/lead/inbox/")
    expect(row).to_contain_text("Paused")
