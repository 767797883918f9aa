"""The leads admin as a manager uses it: the list (filters, search, CSV), the lead's page
(history, conversation, media, routing), the actions (the same lifecycle steps WhatsApp
takes) and the inbox with human takeover.

Conversations are driven as a worker handles them (ingest, then process_inbound), so
the admin is checked against the real workflow. Pages are read in English: the Hebrew
catalogue is filled in separately and must not break these tests.
"""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from leads.conversation import process_inbound
from leads.models import (
    ExclusionReason,
    Lead,
    LeadEvent,
    LeadExclusion,
    LeadStatus,
)
from messaging import inbox
from messaging.models import OutboundKind, OutboundMessage
from pros.models import Pro
from scheduling.models import Slot
from tests.factories import CityFactory, CustomerFactory, LeadFactory, ProFactory, SlotFactory
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

JERUSALEM = ZoneInfo("Asia/Jerusalem")
CUSTOMER = shapes.CUSTOMER
HEBREW_JOB = "יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00"


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def manager(admin_client):
    admin_client.cookies["django_language"] = "en"
    return admin_client


def deliver(payload) -> str:
    return process_inbound(inbox.ingest(payload).inbound_id)


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def at_local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JERUSALEM)


def to(chat_id):
    return OutboundMessage.objects.filter(chat_id=chat_id).order_by("created_at")


def last_to(chat_id) -> OutboundMessage:
    return to(chat_id).last()


def notes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def url(name, *args) -> str:
    return reverse(f"admin:leads_lead_{name}", args=args)


@pytest.fixture
def plumbers():
    """Two Haifa plumbers, each free tomorrow at 10:00; Yossi is routed first."""
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    best = ProFactory(
        name="Yossi Cohen", rating=4.9, review_count=120, trades=["plumbing"], cities=[haifa]
    )
    second = ProFactory(
        name="Rina Levi", rating=4.7, review_count=80, trades=["plumbing"], cities=[haifa]
    )
    for pro in (best, second):
        SlotFactory(pro=pro, start=tomorrow_at(10), end=tomorrow_at(11))
    return {"haifa": haifa, "best": best, "second": second}


def a_lead_asking(plumbers) -> Lead:
    """The customer's one message with everything: the best pro is asked."""
    assert deliver(shapes.text(HEBREW_JOB)) == "asked_pro"
    lead = Lead.objects.get()
    assert lead.pro == plumbers["best"]
    return lead


def a_booked_lead(plumbers) -> Lead:
    lead = a_lead_asking(plumbers)
    best = plumbers["best"]
    reply = shapes.interactive_reply(
        selected_id=f"approve:{lead.pk}", text="אשר", chat_id=best.chat_id
    )
    assert deliver(reply) == "approved"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.BOOKED
    return lead


def submit_dialog(client, action_url, **fields):
    return client.post(action_url, {"_form_submitted": "1", **fields})


# --- the list -------------------------------------------------------------------------------


@pytest.fixture
def three_leads():
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    eilat = CityFactory(slug="eilat", name_he="אילת", name_en="Eilat")
    yossi = ProFactory(name="Yossi Cohen")
    leak = LeadFactory(
        customer=CustomerFactory(name="Dana Levi", phone="972501111111"),
        status=LeadStatus.BOOKED,
        city=haifa,
        pro=yossi,
        issue_type="plumbing",
        full_address="הרצל 10",
        description="נזילה מתחת לכיור",
        created_at=at_local(2030, 1, 10, 9, 0),
        appointment_time=at_local(2030, 1, 15, 10, 0),
    )
    spark = LeadFactory(
        customer=CustomerFactory(name="Avi Mizrahi", phone="972502222222"),
        status=LeadStatus.UNASSIGNED,
        city=eilat,
        issue_type="electrical",
        urgent=True,
        full_address="שדרות התמרים 5",
        description="קצר בלוח החשמל",
        created_at=at_local(2030, 1, 20, 23, 30),  # late in the evening, local time
        appointment_time=at_local(2030, 1, 21, 8, 0),
    )
    lock = LeadFactory(
        customer=CustomerFactory(name="Noa Peretz", phone="972503333333"),
        status=LeadStatus.CANCELLED,
        city=haifa,
        issue_type="locksmith",
        full_address="Main St 1",
        description="locked out",
        created_at=at_local(2030, 2, 1, 12, 0),
    )
    return {"leak": leak, "spark": spark, "lock": lock, "haifa": haifa, "yossi": yossi}


def listed(client, **params) -> set:
    response = client.get(url("changelist"), params)
    assert response.status_code == 200
    return {lead.pk for lead in response.context["cl"].result_list}


def test_filters_return_the_right_rows(manager, three_leads):
    leak, spark, lock = three_leads["leak"].pk, three_leads["spark"].pk, three_leads["lock"].pk

    assert listed(manager) == {leak, spark, lock}
    assert listed(manager, status__exact=["booked", "unassigned"]) == {leak, spark}
    assert listed(manager, issue_type__exact="locksmith") == {lock}
    assert listed(manager, city__id__exact=str(three_leads["haifa"].pk)) == {leak, lock}
    assert listed(manager, pro__id__exact=str(three_leads["yossi"].pk)) == {leak}
    assert listed(manager, urgent__exact="1") == {spark}
    # Whole local days, both ends included: the 20th at 23:30 in Israel is still the 20th.
    assert listed(manager, created_at_from="2030-01-15", created_at_to="2030-01-20") == {spark}
    assert listed(manager, created_at_from="2030-01-21") == {lock}
    not_a_date = manager.get(url("changelist"), {"created_at_from": "soon"})
    assert not_a_date.status_code == 302 and not_a_date["Location"].endswith("?e=1")
    assert listed(
        manager, appointment_time_from="2030-01-15", appointment_time_to="2030-01-15"
    ) == {leak}


def test_search_finds_name_phone_address_and_description(manager, three_leads):
    leak, spark, lock = three_leads["leak"].pk, three_leads["spark"].pk, three_leads["lock"].pk

    assert listed(manager, q="Avi") == {spark}
    assert listed(manager, q="972503333333") == {lock}
    assert listed(manager, q="הרצל") == {leak}
    assert listed(manager, q="לוח החשמל") == {spark}


def test_the_list_shows_status_badges_and_local_times(manager, three_leads):
    page = manager.get(url("changelist")).content.decode()

    assert "15/01/2030 10:00" in page  # the appointment, Asia/Jerusalem
    assert "20/01/2030 23:30" in page  # created, Asia/Jerusalem (21:30 UTC)
    assert "Unassigned (SOS)" in page and "bg-red-100" in page  # the SOS badge is red
    assert "הרצל 10" in page


def read_csv(response) -> tuple[bytes, list[list[str]]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_has_the_filtered_rows_in_hebrew_for_excel(manager, three_leads):
    changelist = manager.get(url("changelist"), {"status__exact": "booked"}).content.decode()
    export = url("export_csv") + "?status__exact=booked"
    assert export in changelist  # the button carries the page's filters

    body, rows = read_csv(manager.get(url("export_csv"), {"status__exact": "booked"}))

    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads Hebrew
    header, *data = rows
    assert header[:9] == [
        "Status",
        "Customer",
        "Phone",
        "City",
        "Issue type",
        "Address",
        "Appointment",
        "Pro",
        "Created",
    ]
    assert data == [
        [
            "Booked",
            "Dana Levi",
            "972501111111",
            "Haifa",
            "Plumbing",
            "הרצל 10",
            "15/01/2030 10:00",
            "Yossi Cohen",
            "10/01/2030 09:00",
            "",
            "",  # quoted price, quote, final price: none yet
            "",
            "",
            str(three_leads["leak"].pk),
        ]
    ]


def test_csv_export_follows_the_search_and_the_selected_rows(manager, three_leads):
    _, rows = read_csv(manager.get(url("export_csv"), {"q": "Noa"}))
    assert [row[1] for row in rows[1:]] == ["Noa Peretz"]

    response = manager.post(
        url("changelist") + "?urgent__exact=0",
        {
            "action": "export_selected_csv",
            "select_across": "1",
            "index": "0",
            "_selected_action": [str(three_leads["leak"].pk)],
        },
    )
    _, rows = read_csv(response)
    assert sorted(row[1] for row in rows[1:]) == ["Dana Levi", "Noa Peretz"]


def test_a_formula_typed_by_a_customer_is_exported_as_text(manager):
    LeadFactory(customer=CustomerFactory(name="=HYPERLINK(1)"), full_address="+972 street")

    _, rows = read_csv(manager.get(url("export_csv")))

    assert rows[1][1] == "'=HYPERLINK(1)" and rows[1][5] == "'+972 street"


# --- the lead's page -----------------------------------------------------------------------


def test_the_lead_page_shows_history_conversation_media_and_routing(manager, plumbers):
    lead = a_lead_asking(plumbers)
    Lead.objects.filter(pk=lead.pk).update(
        media=[
            {"url": "/media/leads/leak.jpg", "mime_type": "image/jpeg", "kind": "image"},
            {"url": "https://cdn.example.com/v.mp4", "mime_type": "video/mp4", "kind": "video"},
            {"url": "https://cdn.example.com/n.ogg", "mime_type": "audio/ogg", "kind": "audio"},
            {"url": "javascript:alert(1)", "mime_type": "image/png", "kind": "image"},
        ]
    )

    page = manager.get(url("change", lead.pk)).content.decode()

    # The history: who, what, why, in local time.
    assert 'id="timeline"' in page
    for expected in ("Lead created", "Bot replied", "Pro asked", "first message from the customer"):
        assert expected in page
    created = LeadEvent.objects.get(lead=lead, action="created").created_at
    assert timezone.localtime(created).strftime("%d/%m/%Y %H:%M") in page
    # The conversation, both directions, with delivery status.
    thread = page[page.index('id="conversation"') : page.index('id="timeline"')]
    assert HEBREW_JOB in thread and "ביקשנו מYossi Cohen" in thread and "Queued" in thread
    assert thread.index(HEBREW_JOB) < thread.index("ביקשנו מYossi Cohen")  # newest last
    assert "לאשר את העבודה" not in thread  # the pro's messages are not the customer's chat
    # Media previews; a link that is not a web address is not rendered.
    assert '<img src="/media/leads/leak.jpg"' in page and 'href="/media/leads/leak.jpg"' in page
    assert "<video" in page and "https://cdn.example.com/v.mp4" in page
    assert "<audio" in page and "https://cdn.example.com/n.ogg" in page
    assert "javascript:" not in page
    # The routing reason in words, with the candidates.
    assert "smoothed rating" in page and "Rina Levi" in page


def test_actions_on_the_page_fit_the_lead(manager, plumbers):
    lead = a_lead_asking(plumbers)
    page = manager.get(url("change", lead.pk)).content.decode()
    assert url("reassign_lead", lead.pk) in page and url("cancel_lead", lead.pk) in page
    assert url("complete_lead", lead.pk) not in page  # not booked yet

    dialog = manager.get(url("reassign_lead", lead.pk)).content.decode()
    assert "Next eligible pro" in dialog and "Rina Levi" in dialog


# --- the actions: the same steps as WhatsApp ------------------------------------------------


def test_reassign_asks_the_next_pro_and_tells_the_old_one(manager, plumbers):
    best, second = plumbers["best"], plumbers["second"]
    lead = a_lead_asking(plumbers)

    response = submit_dialog(manager, url("reassign_lead", lead.pk), pro="", reason="slow")

    assert response.status_code == 302 and response["Location"] == url("change", lead.pk)
    assert "Rina Levi has been asked to take the job." in notes(response)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.AWAITING_PRO and lead.pro == second
    assert Slot.objects.get(lead=lead).pro == second
    assert LeadExclusion.objects.get(lead=lead, pro=best).reason == ExclusionReason.REASSIGNED
    assert Pro.objects.get(pk=best.pk).current_load == 0
    assert "הועברה לבעל מקצוע אחר" in last_to(best.chat_id).text
    assert last_to(second.chat_id).kind == OutboundKind.BUTTONS
    event = LeadEvent.objects.get(lead=lead, action="reassigned")
    assert (event.actor, event.actor_name, event.reason) == ("admin", "boss", "slow")
    assert LeadEvent.objects.filter(lead=lead, action="assigned", actor="admin").count() == 1


def test_reassign_to_a_chosen_pro_from_the_dialog(manager, plumbers):
    best, second = plumbers["best"], plumbers["second"]
    lead = a_lead_asking(plumbers)

    response = manager.post(
        url("reassign_lead", lead.pk),
        {"_form_submitted": "1", "pro": str(second.pk)},
        headers={"HX-Request": "true"},
    )

    assert response["HX-Redirect"] == url("change", lead.pk)  # the dialog reloads the page
    lead.refresh_from_db()
    assert lead.pro == second and lead.routing_reason["manual"] is True
    assert "הועברה" in last_to(best.chat_id).text


def test_what_cannot_be_done_is_a_message_not_an_error_page(manager, plumbers):
    lead = a_lead_asking(plumbers)

    early = submit_dialog(manager, url("complete_lead", lead.pk))
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.CANCELLED)  # closed meanwhile
    late = submit_dialog(manager, url("reassign_lead", lead.pk), pro="")

    assert early.status_code == 302 and late.status_code == 302
    assert any("Only a booked job" in note for note in notes(early))
    assert any("Not reassigned: the lead is cancelled" in note for note in notes(late))
    assert Lead.objects.get(pk=lead.pk).pro == plumbers["best"]
    assert not LeadEvent.objects.filter(lead=lead, actor="admin").exists()

    for bad_id in ("not-a-lead", "00000000-0000-0000-0000-000000000000"):
        unknown = submit_dialog(manager, url("reassign_lead", bad_id), pro="")
        assert unknown.status_code == 302 and unknown["Location"] == url("changelist")
        assert "There is no such lead." in notes(unknown)


def test_cancel_frees_the_slot_and_the_load_and_tells_the_pro(manager, plumbers):
    best = plumbers["best"]
    lead = a_booked_lead(plumbers)
    held = Slot.objects.get(lead=lead)

    response = submit_dialog(
        manager, url("cancel_lead", lead.pk), reason="customer phoned", tell_customer="on"
    )

    assert response.status_code == 302 and "The lead is cancelled." in notes(response)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CANCELLED and lead.cancelled_at is not None
    assert Slot.objects.get(pk=held.pk).lead is None
    assert Pro.objects.get(pk=best.pk).current_load == 0
    assert "בוטלה על ידי Fixi" in last_to(best.chat_id).text
    assert "הבקשה בוטלה" in last_to(CUSTOMER).text
    event = LeadEvent.objects.get(lead=lead, action="cancelled")
    assert (event.actor, event.actor_name, event.reason) == ("admin", "boss", "customer phoned")
    assert (event.from_status, event.to_status) == ("booked", "cancelled")

    again = submit_dialog(manager, url("cancel_lead", lead.pk))
    assert any("Not cancelled" in note for note in notes(again))


def test_mark_completed_is_the_pros_done(manager, plumbers):
    best = plumbers["best"]
    lead = a_booked_lead(plumbers)

    response = submit_dialog(manager, url("complete_lead", lead.pk))

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.COMPLETED and lead.rating_requested_at is not None
    assert Pro.objects.get(pk=best.pk).current_load == 0
    assert "1 (גרוע) עד 5" in last_to(CUSTOMER).text  # the customer is asked to rate
    assert "הושלמה" in last_to(best.chat_id).text
    event = LeadEvent.objects.get(lead=lead, action="completed")
    assert (event.actor, event.actor_name) == ("admin", "boss")

    assert deliver(shapes.text("5")) == "rated"  # and the rating counts as after "סיימתי"
    assert Lead.objects.get(pk=lead.pk).customer_rating == 5


# --- the inbox and human takeover ------------------------------------------------------------


def test_the_inbox_lists_open_conversations_newest_first(manager):
    now = timezone.now()
    older = LeadFactory(
        customer=CustomerFactory(name="Older"),
        status=LeadStatus.CONTACTED,
        last_customer_message_at=now - dt.timedelta(hours=2),
    )
    newer = LeadFactory(
        customer=CustomerFactory(name="Newer"),
        status=LeadStatus.AWAITING_PRO,
        bot_paused=True,
        last_customer_message_at=now - dt.timedelta(minutes=5),
    )
    LeadFactory(customer=CustomerFactory(name="Shira Gone"), status=LeadStatus.COMPLETED)
    OutboundMessage.objects.create(chat_id=newer.customer.chat_id, text="נחזור אליך בהקדם")

    response = manager.get(url("inbox"))

    assert response.status_code == 200
    assert [row.lead.pk for row in response.context["rows"]] == [newer.pk, older.pk]
    page = response.content.decode()
    assert "Shira Gone" not in page and "נחזור אליך בהקדם" in page and "Paused" in page
    paused = manager.get(url("inbox"), {"paused": "1"})
    assert [row.lead.pk for row in paused.context["rows"]] == [newer.pk]


def test_take_over_write_and_hand_back(manager, plumbers):
    lead = a_lead_asking(plumbers)
    conversation = url("conversation", lead.pk)

    # Take over: the bot stops answering, the customer's message is kept and shown.
    response = manager.post(conversation, {"operation": "pause"})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).bot_paused
    assert LeadEvent.objects.get(lead=lead, action="bot_paused").actor_name == "boss"
    answered = to(CUSTOMER).count()

    assert deliver(shapes.text("מתי בדיוק מגיעים?")) == "paused"

    assert to(CUSTOMER).count() == answered  # no bot reply
    page = manager.get(conversation).content.decode()
    assert "מתי בדיוק מגיעים?" in page and 'data-paused="1"' in page

    # The manager writes: through the outbox, about this lead, in the history.
    manager.post(conversation, {"operation": "send", "text": "מגיעים מחר ב-10, יוסי"})
    sent = last_to(CUSTOMER)
    assert (sent.text, sent.topic) == ("מגיעים מחר ב-10, יוסי", f"lead:{lead.pk}")
    event = LeadEvent.objects.get(lead=lead, action="manager_message")
    assert event.actor == "admin" and event.data["outbound"] == str(sent.pk)
    assert "boss" in manager.get(conversation).content.decode()  # shown as the manager's

    # Hand back: the bot answers the next message again.
    manager.post(conversation, {"operation": "resume"})
    assert not Lead.objects.get(pk=lead.pk).bot_paused
    assert LeadEvent.objects.filter(lead=lead, action="bot_resumed").exists()

    assert deliver(shapes.text("תודה, ומה המחיר?")) == "answered"
    assert to(CUSTOMER).count() == answered + 2  # the manager's message and the bot's


def test_an_empty_message_or_a_closed_lead_is_refused_politely(manager, plumbers):
    lead = a_lead_asking(plumbers)
    conversation = url("conversation", lead.pk)
    before = OutboundMessage.objects.count()

    empty = manager.post(conversation, {"operation": "send", "text": "   "})
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()

    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.CANCELLED)
    closed = manager.post(conversation, {"operation": "pause"})
    assert closed.status_code == 302 and any("Cancelled" in note for note in notes(closed))
    assert not Lead.objects.get(pk=lead.pk).bot_paused
    assert OutboundMessage.objects.count() == before
