"""fixi.texts: every message renders in Hebrew and English, translated and filled in.

Customers read their own language; pros and the admin read Hebrew whatever language is
active. Every msgid of fixi/texts.py has a Hebrew translation that is neither empty nor
fuzzy, in the .po and in the compiled .mo.
"""

import ast
import datetime as dt
import inspect
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import translation
from django.utils.translation import npgettext, override, pgettext

from fixi import texts

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "fixi" / "texts.py"
PO = ROOT / "locale" / "he" / "LC_MESSAGES" / "django.po"
HEBREW_LETTER = re.compile(r"[\u05d0-\u05ea]")
LEFTOVER = re.compile(r"%\(|%s|%d|\{\w*\}")
TUESDAY = dt.datetime(2026, 12, 8, 8, 0, tzinfo=dt.UTC)  # 10:00 in Israel


# --- the catalog ---------------------------------------------------------------------------


def source_msgids() -> dict[tuple[str | None, str], bool]:
    """(context, msgid) of every gettext call in fixi/texts.py, read from its source, and
    whether it has plural forms."""
    found = {}
    for node in ast.walk(ast.parse(SOURCE.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        name = node.func.id
        literals = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if name in ("_", "gettext_lazy") and literals:
            found[None, literals[0]] = False
        elif name in ("pgettext", "pgettext_lazy", "npgettext"):
            assert len(literals) >= 2, f"{name} needs a literal context: line {node.lineno}"
            found[literals[0], literals[1]] = name == "npgettext"
    return found


def po_entries() -> list[dict]:
    """The .po's entries: context, msgid, the msgstr forms, flags and references."""
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        entry = {"msgctxt": None, "msgstr": [], "flags": "", "refs": ""}
        key = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#:"):
                entry["refs"] += line
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if key == "msgstr":
                    entry["msgstr"][-1] += value
                else:
                    entry[key] += value
            else:
                key, rest = line.split(" ", 1)
                if key.startswith("msgstr"):
                    key = "msgstr"
                    entry["msgstr"].append(ast.literal_eval(rest))
                else:
                    entry[key] = ast.literal_eval(rest)
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def test_every_msgid_of_the_texts_is_in_the_po_translated_and_not_fuzzy():
    entries = {(e["msgctxt"], e["msgid"]): e for e in po_entries()}
    msgids = source_msgids()

    assert len(msgids) > 100
    missing = [key for key in msgids if key not in entries]
    assert missing == []
    for key in msgids:
        entry = entries[key]
        assert "fuzzy" not in entry["flags"], key
        assert entry["msgstr"] and all(entry["msgstr"]), key
        assert "fixi/texts.py" in entry["refs"], key


def test_every_msgid_of_the_texts_is_translated_in_the_compiled_catalog():
    with override("he"):
        for (context, msgid), plural in source_msgids().items():
            if context is None:
                hebrew = translation.gettext(msgid)
            elif plural:
                hebrew = npgettext(context, msgid, msgid, 5)
            else:
                hebrew = pgettext(context, msgid)
            assert hebrew != msgid, (context, msgid)  # the same text would be untranslated


# --- every function, in both languages -------------------------------------------------------


class PriceItems(list):
    def all(self):
        return self

    def order_by(self, field):
        return PriceItems(sorted(self, key=lambda item: getattr(item, field)))


def make_pro(prices=True):
    items = [
        SimpleNamespace(service="Blocked sink", price=Decimal("1350"), note="with a machine"),
        SimpleNamespace(service="Visit", price=Decimal("300"), note=""),
    ]
    return SimpleNamespace(name="Avi Levi", price_items=PriceItems(items if prices else []))


def make_lead(**changes):
    fields = {
        "issue_type": "plumbing",
        "full_address": "Herzl 12",
        "city": SimpleNamespace(name_he="חיפה", name_en="Haifa"),
        "city_text": "",
        "urgent": True,
        "summary": "Leak under the sink",
        "media": [{"url": "https://media.example/1.jpg"}],
        "customer": SimpleNamespace(
            first_name="Dana", name="Dana Cohen", phone="972501234567", chat_id="972501234567@c.us"
        ),
        "pro": make_pro(),
        "on_the_way_at": None,
        "status": "booked",
    }
    return SimpleNamespace(**{**fields, **changes})


PRO = make_pro()
LEAD = make_lead()
AGO = dt.timedelta(hours=3)

# Customer texts: name -> (args before language, args after language, fragments it fills in).
CUSTOMER = {
    "when": ((TUESDAY,), (), ["10:00", "8"]),
    "slot_label": ((TUESDAY,), (), ["10:00", "8"]),
    "issue_label": (("plumbing",), (), []),
    "reminder_buttons": ((), (), []),
    "reply_with_number": ((), (), []),
    "ask_for": (("city",), (), []),
    "safety_tip": (("gas_smell",), (), ["102"]),
    "urgent_note": (("other",), (), []),
    "no_pro_available": ((), (), [texts.SIGNATURE]),
    "received": ((), ("Dana",), ["Dana"]),
    "all_set": ((), (), []),
    "flood_notice": ((), (), []),
    "persona_fallback": ((PRO,), (), ["Avi Levi"]),
    "asked_pro": ((PRO, TUESDAY), (), ["Avi Levi", "10:00"]),
    "offer_slots": ((PRO, TUESDAY), (), ["Avi Levi", "10:00"]),
    "slot_gone": ((), (), []),
    "confirmed": ((LEAD, PRO, TUESDAY), (), ["Avi Levi", "Herzl 12", "10:00", "₪1,350"]),
    "waiting_for_pro": ((PRO,), (), ["Avi Levi"]),
    "booked_status": ((PRO, TUESDAY), (), ["Avi Levi", "10:00"]),
    "on_the_way": ((PRO,), (), ["Avi Levi"]),
    "ask_rating": ((PRO,), (), ["Avi Levi", "1", "5"]),
    "rating_thanks": ((), (), []),
    "cancelled": ((), (), []),
    "cancel_too_late": ((), (), []),
    "nothing_to_cancel": ((), (), []),
    "offer_expired": ((), (), []),
    "customer_stale_check": ((PRO,), (), ["Avi Levi"]),
    "reminder": ((LEAD, PRO, TUESDAY, 24), (), ["Avi Levi", "10:00", "Herzl 12"]),
    "reminder_confirmed": ((), (), []),
    "reschedule_offer": ((PRO,), (), ["Avi Levi"]),
    "no_other_times": ((), (), []),
    "rescheduled": ((PRO, TUESDAY), (), ["Avi Levi", "10:00"]),
    "call_answer": ((), (), []),
    "thanks_reply": ((), (), []),
    "person_will_answer": ((), (), []),
    "price_unknown": ((), (), []),
    "price_answer": ((PRO, True), (), ["Avi Levi", "₪300"]),
    "eta": ((LEAD, TUESDAY), (), ["Avi Levi", "10:00"]),
    "move_offer": ((PRO, "earlier"), (), ["Avi Levi"]),
    "no_move_times": ((PRO, "later"), (), ["Avi Levi"]),
    "not_free_then": ((PRO, TUESDAY), (), ["Avi Levi", "10:00"]),
    "address_updated": ((LEAD,), (), ["Herzl 12", "Avi Levi"]),
    "passed_to_pro": ((PRO,), (), ["Avi Levi"]),
    "ask_day_again": (("past",), (), []),
    # quotes, prices and receipts
    "quote_offer": ((PRO, Decimal("450"), "Tap"), (), ["Avi Levi", "₪450", "Tap"]),
    "quote_buttons": ((), (), []),
    "quote_accepted_reply": ((PRO,), (), ["Avi Levi"]),
    "quote_declined_reply": ((PRO,), (), ["Avi Levi"]),
    "quote_already_answered": ((True,), (), []),
    "quote_replaced": ((), (), []),
    "receipt": (
        ("Tap", Decimal("12.50"), PRO, TUESDAY.date()),
        (),
        ["Tap", "₪12.50", "Avi Levi", "08/12/2026"],
    ),
    "rating_prompt": ((), (), ["1", "5"]),
}
# Pro and admin texts (always Hebrew): name -> (args, fragments it fills in).
HEBREW_ONLY = {
    "pro_buttons": ((), []),
    "pro_job_offer": ((LEAD, TUESDAY), ["Herzl 12", "חיפה", "Dana", "10:00", "1.jpg"]),
    "pro_approved": ((LEAD, TUESDAY), ["Herzl 12", "Dana Cohen", "972501234567", "10:00"]),
    "pro_rejected_ack": ((), []),
    "pro_late_answer": ((), []),
    "pro_already_answered": ((True,), []),
    "pro_lead_moved": ((LEAD, "הועברה"), ["Herzl 12", "הועברה"]),
    "pro_customer_cancelled": ((LEAD,), ["Herzl 12", "חיפה"]),
    "pro_cancelled_by_fixi": ((LEAD,), ["Herzl 12", "Fixi"]),
    "pro_reassigned": ((LEAD,), ["Herzl 12"]),
    "pro_on_the_way_ack": ((), []),
    "pro_done_ack": ((), []),
    "pro_no_active_job": ((), []),
    "pro_help": ((), []),
    "pro_timed_out": ((LEAD,), ["Herzl 12"]),
    "pro_stale_followup": ((LEAD, TUESDAY), ["Dana", "Herzl 12", "10:00"]),
    "pro_rescheduled": ((LEAD, TUESDAY), ["Herzl 12", "10:00"]),
    "pro_address_changed": ((LEAD,), ["Herzl 12"]),
    "pro_customer_added": ((LEAD, "Also the tap", [{"url": "https://f/2"}]), ["Also the tap"]),
    "sos_report": ((["Haifa · plumbing", "Holon · hvac"],), ["(2)", "1. Haifa", "2. Holon"]),
    "ago": ((AGO,), ["3"]),
    "whatsapp_reconnected": (("notAuthorized",), ["notAuthorized"]),
    "whatsapp_down": (("notAuthorized", TUESDAY), ["notAuthorized", "10:00"]),
    "whatsapp_outage_over": (
        ("notAuthorized", TUESDAY, TUESDAY + dt.timedelta(hours=2)),
        ["notAuthorized", "10:00", "12:00"],
    ),
    # availability by message
    "calendar_day": ((TUESDAY.date(),), ["יום שלישי 8/12"]),
    "availability_buttons": ((), ["אישור", "ביטול"]),
    "pro_availability_day": ((TUESDAY.date(), ["08:00–12:00"], 4), ["8/12", "08:00–12:00", "4"]),
    "pro_availability_job": ((LEAD, TUESDAY), ["Dana", "Herzl 12", "חיפה", "10:00"]),
    "pro_availability_preview": (("close", ["day line"], ["job line"], True), ["job line"]),
    "pro_availability_nothing": (("open", ["job line"]), ["job line"]),
    "pro_availability_done": (("close", 3, 2), ["3", "2"]),
    "pro_availability_cancelled": ((), []),
    "pro_availability_not_waiting": ((True,), []),
    "pro_availability_ask": (("too_long", 31), ["31", "פתח שישי 8-12"]),
    # the pro's agenda and break
    "pro_agenda": (
        ("today", [(TUESDAY.date(), [make_lead(appointment_time=TUESDAY)])]),
        ["10:00", "Dana", "Herzl 12, חיפה", "waze.com", "wa.me/972501234567"],
    ),
    "pro_agenda_empty": (("week",), []),
    "pro_paused": ((2,), ["2"]),
    "pro_already_paused": ((TUESDAY,), ["10:00"]),
    "pro_resumed": ((), []),
    "pro_not_paused": ((), []),
    # quotes, prices and receipts
    "pro_quote_sent": ((LEAD, Decimal("450"), "Tap"), ["₪450", "Dana", "Herzl 12", "Tap"]),
    "pro_job_button": ((LEAD, TUESDAY), ["Dana", "10:00"]),
    "pro_quote_which_job": ((Decimal("450"), [(LEAD, TUESDAY)], True), ["₪450", "1) Dana"]),
    "pro_quote_choice_stale": ((), []),
    "pro_quote_accepted": ((LEAD, Decimal("450")), ["Dana", "₪450"]),
    "pro_quote_declined": ((LEAD, Decimal("450")), ["Dana", "₪450"]),
    "pro_amount_unclear": (("450-500", "הצעה 450"), ["450-500", "הצעה 450"]),
    "pro_ask_final_price": ((LEAD, Decimal("450")), ["Dana", "₪450"]),
    "pro_done_with_price": ((Decimal("1200"),), ["₪1,200"]),
    "pro_final_price_recorded": ((LEAD, Decimal("450")), ["Dana", "₪450"]),
    "pro_price_already_recorded": ((LEAD, Decimal("450")), ["Dana", "₪450"]),
}
# Data from the database, or a figure: the same in any language.
NOT_TEXTS = {"city_name", "price_lines", "shekels"}


def render(name, language):
    before, after, _fragments = CUSTOMER[name]
    return getattr(texts, name)(*before, language, *after)


def flat(output) -> str:
    return output if isinstance(output, str) else repr(output)


def test_every_public_function_is_checked_here():
    functions = {
        name
        for name, value in vars(texts).items()
        if inspect.isfunction(value) and value.__module__ == texts.__name__
        if not name.startswith("_")
    }

    assert functions == set(CUSTOMER) | set(HEBREW_ONLY) | NOT_TEXTS


@pytest.mark.parametrize("active", ["he", "en"])
@pytest.mark.parametrize("name", sorted(CUSTOMER))
def test_customer_texts_come_in_the_customers_language_whatever_is_active(name, active):
    with override(active):
        hebrew, english = flat(render(name, "he")), flat(render(name, "en"))
        arabic = flat(render(name, "ar"))

    assert HEBREW_LETTER.search(hebrew), hebrew
    assert not HEBREW_LETTER.search(english), english
    assert hebrew != english
    assert arabic == hebrew  # other languages fall back to Hebrew


@pytest.mark.parametrize("language", ["he", "en"])
@pytest.mark.parametrize("name", sorted(CUSTOMER))
def test_customer_texts_are_filled_in(name, language):
    output = flat(render(name, language))

    assert not LEFTOVER.search(output), output
    for fragment in CUSTOMER[name][2]:
        assert fragment in output


@pytest.mark.parametrize("name", sorted(HEBREW_ONLY))
def test_pro_and_admin_texts_are_hebrew_even_when_english_is_active(name):
    args, fragments = HEBREW_ONLY[name]
    function = getattr(texts, name)

    with override("en"):
        under_english = flat(function(*args))
    with override("he"):
        under_hebrew = flat(function(*args))

    assert under_english == under_hebrew
    assert HEBREW_LETTER.search(under_english), under_english
    assert not LEFTOVER.search(under_english), under_english
    for fragment in fragments:
        assert fragment in under_english


# --- exact wording that other messages rely on -------------------------------------------------


def test_the_day_of_a_visit_in_words_and_digits():
    assert texts.when(TUESDAY) == "יום שלישי 8/12 בשעה 10:00"
    assert texts.when(TUESDAY, "en") == "Tuesday 8 Dec at 10:00"
    assert texts.slot_label(TUESDAY) == "ג׳ 8.12 10:00"
    assert texts.slot_label(TUESDAY, "en") == "Tue 8/12 10:00"


def test_an_english_customer_reads_english_in_a_hebrew_worker():
    with override("he"):
        assert texts.asked_pro(PRO, TUESDAY, "en") == (
            "We've asked Avi Levi to confirm Tuesday 8 Dec at 10:00. "
            "We'll let you know here as soon as they do."
        )
        assert texts.received("he", "דני").startswith("תודה דני!")


def test_buttons_carry_the_words_fixi_reads_back():
    assert texts.pro_buttons() == (("approve", "אשר"), ("reject", "דחה"))
    assert texts.reminder_buttons("en") == (
        ("confirm", "Confirm"),
        ("reschedule", "Reschedule"),
        ("cancel", "Cancel"),
    )
    assert [label for _key, label in texts.reminder_buttons("he")] == [
        "אישור הגעה",
        "שינוי מועד",
        "ביטול",
    ]


def test_the_sos_report_counts_its_leads():
    assert texts.sos_report(["a"]) == "🆘 Fixi – פניות שלא שובצו (1):\n\n1. a"
    assert texts.ago(dt.timedelta(minutes=5)) == "לפני 5 דק׳"
    assert texts.ago(dt.timedelta(hours=30)) == "לפני 30 שע׳"
    assert texts.ago(dt.timedelta(days=3)) == "לפני 3 ימים"


def test_a_question_for_an_unknown_field_is_an_error():
    with pytest.raises(ValueError, match="no question for 'phone'"):
        texts.ask_for("phone", "he")


def test_amounts_in_shekels_show_agorot_only_when_there_are_some():
    assert texts.shekels(Decimal("1200")) == "₪1,200"
    assert texts.shekels(Decimal("1200.00")) == "₪1,200"
    assert texts.shekels(Decimal("12.5")) == "₪12.50"


def test_the_quotes_buttons_are_words_fixi_reads_back():
    assert texts.quote_buttons("he") == (("quote_accept", "אישור"), ("quote_decline", "דחייה"))
    assert texts.quote_buttons("en") == (("quote_accept", "Approve"), ("quote_decline", "Decline"))
