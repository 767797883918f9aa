"""fixi.texts: every message renders in Hebrew, English, Arabic and Russian, translated,
filled in and set in its reader's direction.

Customers read their own language; pros and the admin read Hebrew whatever language is
active. Every msgid of fixi/texts.py has a Hebrew translation, and every customer msgid an
Arabic and a Russian one, that is neither empty nor fuzzy and keeps the msgid's
placeholders, in the .po and the same in the compiled .mo.
"""

import ast
import datetime as dt
import gettext
import inspect
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import translation
from django.utils.translation import npgettext, override, pgettext

from fixi import texts
from fixi.vocabulary import language_of

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "fixi" / "texts.py"
LOCALE = ROOT / "locale"
PO = LOCALE / "he" / "LC_MESSAGES" / "django.po"
HEBREW_LETTER = re.compile(r"[\u05d0-\u05ea]")
LEFTOVER = re.compile(r"%\(|%s|%d|\{\w*\}")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TUESDAY = dt.datetime(2026, 12, 8, 8, 0, tzinfo=dt.UTC)  # 10:00 in Israel
CUSTOMER_LANGUAGES = ["he", "en", "ar", "ru"]
TRANSLATED = ["he", "ar", "ru"]
# The contexts of what pros and the admin read: Hebrew only.
HEBREW_ONLY_CONTEXTS = {
    "to a pro",
    "to the admin",
    "button to a pro",
    "day in a pro's agenda",
    "day in a pro's calendar",
}
GETTEXT_CALLS = {"_", "gettext_lazy", "pgettext", "pgettext_lazy", "npgettext"}


# --- the catalog ---------------------------------------------------------------------------


def _msgid_of(node: ast.Call) -> tuple[tuple[str | None, str], bool]:
    """((context, msgid), plural?) of one gettext call."""
    name = node.func.id
    literals = [a.value for a in node.args if isinstance(a, ast.Constant)]
    if name in ("_", "gettext_lazy"):
        assert literals, f"{name} needs a literal msgid: line {node.lineno}"
        return (None, literals[0]), False
    assert len(literals) >= 2, f"{name} needs a literal context: line {node.lineno}"
    return (literals[0], literals[1]), name == "npgettext"


def _gettext_calls(tree) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in GETTEXT_CALLS
    ]


def source_msgids() -> dict[tuple[str | None, str], bool]:
    """(context, msgid) of every gettext call in fixi/texts.py, read from its source, and
    whether it has plural forms."""
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    return dict(_msgid_of(node) for node in _gettext_calls(tree))


def customer_msgids() -> dict[tuple[str | None, str], bool]:
    """The msgids a customer may read: all but those of pros and the admin."""
    return {
        key: plural for key, plural in source_msgids().items() if key[0] not in HEBREW_ONLY_CONTEXTS
    }


def catalog_msgids(language: str) -> dict[tuple[str | None, str], bool]:
    return source_msgids() if language == "he" else customer_msgids()


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def po_entries(path: Path = PO) -> list[dict]:
    """The .po's entries: context, msgid, the msgstr forms, flags and references."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
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


def po_catalog(language: str) -> dict:
    return {(e["msgctxt"], e["msgid"]): e for e in po_entries(po_path(language))}


class _Missing(gettext.NullTranslations):
    """The compiled catalog's fallback: says a message is not in the catalog, even one
    whose translation is written like its msgid (the Arabic slot button)."""

    def gettext(self, message):
        return None

    def pgettext(self, context, message):
        return None


def mo_catalog(language: str) -> gettext.GNUTranslations:
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    catalog.add_fallback(_Missing())
    return catalog


def test_customer_and_hebrew_only_texts_are_told_apart_by_their_decorator():
    """A customer text (@_to_customer) never uses a pro's or the admin's context, and a pro's
    or the admin's (@_in_hebrew) always does, so the Arabic and Russian catalogs can leave
    out exactly what customers never read."""
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    checked = 0
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        decorators = {d.id for d in function.decorator_list if isinstance(d, ast.Name)}
        for call in _gettext_calls(function):
            (context, msgid), _plural = _msgid_of(call)
            if "_in_hebrew" in decorators:
                assert context in HEBREW_ONLY_CONTEXTS, (function.name, msgid)
                checked += 1
            elif "_to_customer" in decorators:
                assert context not in HEBREW_ONLY_CONTEXTS, (function.name, msgid)
                checked += 1
    assert checked > 150


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_msgid_of_the_texts_is_in_the_po_translated_and_not_fuzzy(language):
    entries = po_catalog(language)
    msgids = catalog_msgids(language)

    assert len(msgids) > (100 if language == "he" else 90)
    missing = [key for key in msgids if key not in entries]
    assert missing == []
    for key in msgids:
        entry = entries[key]
        assert "fuzzy" not in entry["flags"], key
        assert entry["msgstr"] and all(entry["msgstr"]), key
        assert "fixi/texts.py" in entry["refs"], key


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_msgids_placeholders(language):
    entries = po_catalog(language)
    for (context, msgid), plural in catalog_msgids(language).items():
        wanted = set(PLACEHOLDER.findall(msgid))
        for form in entries[context, msgid]["msgstr"]:
            kept = set(PLACEHOLDER.findall(form))
            if plural:  # a form for one number alone may say it in words ("חלון אחד")
                kept |= {"count"}
            assert kept == wanted, (language, msgid, form)
            assert not LEFTOVER.search(PLACEHOLDER.sub("", form)), (language, msgid, form)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_holds_every_msgid_as_the_po_translates_it(language):
    entries = po_catalog(language)
    compiled = mo_catalog(language)
    for (context, msgid), plural in catalog_msgids(language).items():
        written = entries[context, msgid]["msgstr"]
        if plural:
            forms = [
                compiled.npgettext(context, msgid, msgid, n)
                for n in range(len(written) * 50)  # every form's numbers come up by 100
            ]
            assert set(forms) == set(written), (language, msgid)
        elif context is None:
            assert compiled.gettext(msgid) == written[0], (language, msgid)
        else:
            assert compiled.pgettext(context, msgid) == written[0], (language, msgid)


def test_django_renders_the_compiled_catalogs():
    with override("he"):
        for (context, msgid), plural in source_msgids().items():
            if context is None:
                hebrew = translation.gettext(msgid)
            elif plural:
                hebrew = npgettext(context, msgid, msgid, 5)
            else:
                hebrew = pgettext(context, msgid)
            assert hebrew != msgid, (context, msgid)  # the same text would be untranslated
    for language, letters in (("ar", "[\u0600-\u06ff]"), ("ru", "[\u0400-\u04ff]")):
        with override(language):
            for context, msgid in customer_msgids():
                if msgid.startswith("%(weekday)s") or msgid.startswith("l j M"):
                    continue  # formats: no words of their own
                shown = translation.gettext(msgid) if context is None else pgettext(context, msgid)
                assert re.search(letters, shown), (language, msgid, shown)


@pytest.mark.parametrize(
    ("language", "forms", "numbers"),
    [
        # Arabic: zero, one, two, few (3-10), many (11-99), other (100-102, ...)
        ("ar", 6, {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5, 103: 3, 111: 4}),
        # Russian: one (1, 21, 101), few (2-4, 22-24), many (0, 5-20, 25-30, 111-114)
        (
            "ru",
            3,
            {1: 0, 21: 0, 101: 0, 2: 1, 4: 1, 22: 1, 0: 2, 5: 2, 11: 2, 14: 2, 25: 2, 111: 2},
        ),
        ("he", 3, {1: 0, 2: 1, 0: 2, 3: 2, 10: 2}),
    ],
)
def test_plural_forms_are_the_languages_own(language, forms, numbers):
    header = mo_catalog(language).info()["plural-forms"]
    count, expression = re.fullmatch(r"nplurals=(\d+);\s*plural=(.+?);?", header.strip()).groups()
    plural = gettext.c2py(expression)

    assert int(count) == forms
    assert {n: plural(n) for n in numbers} == numbers


# --- every function, in every language -------------------------------------------------------


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
        "city": SimpleNamespace(name_he="חיפה", name_en="Haifa", name_ar="", name_ru=""),
        "city_text": "",
        "urgent": True,
        "summary": "Leak under the sink",
        "description": "Leak under the sink\nsince this morning",
        "language": "en",
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
    "pro_nearby": (
        ({"city": "Nesher", "city_he": "נשר", "city_ar": "نيشير", "city_ru": "Нешер", "km": 8.2},),
        (),
        ["8"],
    ),
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
    "pro_job_offer": ((LEAD, TUESDAY), ["Herzl 12", "חיפה", "Dana", "10:00", "📎"]),
    "pro_approved": ((LEAD, TUESDAY), ["Herzl 12", "Dana Cohen", "050-123-4567", "10:00"]),
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
    "pro_customer_added": (
        (LEAD, "Also the tap", [{"url": "https://f/2"}]),
        ["Also the tap", "📎"],
    ),
    "pro_file_caption": ((LEAD,), ["Dana", "Herzl 12", "חיפה"]),
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
# Data from the database, or a figure: the same in any language; and the direction marks.
NOT_TEXTS = {"city_name", "price_lines", "shekels", "directed", "forwarded_files"}


def render(name, language):
    before, after, _fragments = CUSTOMER[name]
    return getattr(texts, name)(*before, language, *after)


def flat(output) -> str:
    """A text, or a tuple of buttons as their labels one a line."""
    if isinstance(output, str):
        return output
    return "\n".join(label for _key, label in output)


def first_strong(line: str) -> str:
    """The bidirectional class of the line's first letter or direction mark, or ""."""
    kinds = (unicodedata.bidirectional(c) for c in line)
    return next((kind for kind in kinds if kind in ("L", "R", "AL")), "")


def test_every_public_function_is_checked_here():
    functions = {
        name
        for name, value in vars(texts).items()
        if inspect.isfunction(value) and value.__module__ == texts.__name__
        if not name.startswith("_")
    }

    assert functions == set(CUSTOMER) | set(HEBREW_ONLY) | NOT_TEXTS


@pytest.mark.parametrize("active", ["he", "en", "ar"])
@pytest.mark.parametrize("name", sorted(CUSTOMER))
def test_customer_texts_come_in_the_customers_language_whatever_is_active(name, active):
    with override(active):
        shown = {language: flat(render(name, language)) for language in CUSTOMER_LANGUAGES}
        unknown = flat(render(name, "fr"))

    for language, text in shown.items():
        assert language_of(text) == language, (language, text)
    assert not HEBREW_LETTER.search(shown["en"] + shown["ru"]), shown
    assert len(set(shown.values())) == len(CUSTOMER_LANGUAGES)
    assert unknown == shown["he"]  # a language Fixi does not speak is answered in Hebrew


@pytest.mark.parametrize("language", CUSTOMER_LANGUAGES)
@pytest.mark.parametrize("name", sorted(CUSTOMER))
def test_customer_texts_are_filled_in(name, language):
    output = flat(render(name, language))

    assert not LEFTOVER.search(output), output
    for fragment in CUSTOMER[name][2]:
        assert fragment in output


@pytest.mark.parametrize("language", CUSTOMER_LANGUAGES)
@pytest.mark.parametrize("name", sorted(CUSTOMER))
def test_every_line_of_a_customer_text_reads_in_its_languages_direction(name, language):
    """WhatsApp sets a line's direction by its first letter: Arabic and Hebrew lines must
    open right-to-left even with a Latin pro name, a price or an emoji first, Russian and
    English lines left-to-right even with a Hebrew service name first."""
    right_to_left = language in ("he", "ar")
    for line in flat(render(name, language)).split("\n"):
        if not line:
            continue
        if right_to_left:
            assert first_strong(line) in ("R", "AL"), (language, line)
        else:
            assert first_strong(line) in ("L", ""), (language, line)


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
    assert texts.when(TUESDAY, "ar") == "يوم الثلاثاء 8/12 الساعة 10:00"
    assert texts.when(TUESDAY, "ru") == "8 декабря (Вт) в 10:00"
    assert texts.slot_label(TUESDAY) == "ג׳ 8.12 10:00"
    assert texts.slot_label(TUESDAY, "en") == "Tue 8/12 10:00"
    assert texts.slot_label(TUESDAY, "ar") == "الثلاثاء 8/12 10:00"
    assert texts.slot_label(TUESDAY, "ru") == "Вт 8.12 10:00"


def test_slot_buttons_fit_whatsapps_limit_on_every_day_in_every_language():
    week = [TUESDAY + dt.timedelta(days=n, hours=n) for n in range(7)]
    for language in CUSTOMER_LANGUAGES:
        labels = {texts.slot_label(start, language) for start in week}
        assert len(labels) == 7 and max(map(len, labels)) <= 25, labels


def test_a_line_opening_with_a_latin_name_or_an_emoji_is_marked_right_to_left_in_arabic():
    confirmed = texts.confirmed(LEAD, PRO, TUESDAY, "ar")

    assert texts.on_the_way(PRO, "ar") == texts.RLM + "🚐 Avi Levi في الطريق إليكم."
    assert confirmed.startswith("✅ تم الحجز!")  # an Arabic word leads: nothing to add
    assert texts.RLM + "• Visit: ₪300" in confirmed.split("\n")
    assert texts.no_pro_available("ar").endswith("\n" + texts.RLM + texts.SIGNATURE)


def test_direction_marks_are_added_only_where_the_first_letter_is_wrong():
    hebrew_first = "• ביקור טכנאי: ₪250"

    assert texts.directed("Avi Levi בדרך", "he") == texts.RLM + "Avi Levi בדרך"
    assert texts.directed("✅ נקבע!", "he") == "✅ נקבע!"
    assert texts.directed("10:00", "ar") == texts.RLM + "10:00"
    assert texts.directed(hebrew_first, "ru") == texts.LRM + hebrew_first
    assert texts.directed(hebrew_first, "en") == texts.LRM + hebrew_first
    assert texts.directed("Цены:\n" + hebrew_first, "ru") == "Цены:\n" + texts.LRM + hebrew_first
    assert texts.directed(texts.RLM + "Avi", "ar") == texts.RLM + "Avi"  # once only
    assert texts.directed("a\n\nb", "ar") == f"{texts.RLM}a\n\n{texts.RLM}b"


def test_arabic_and_russian_customers_see_the_city_in_their_script_when_it_has_one():
    city = SimpleNamespace(name_he="חיפה", name_en="Haifa", name_ar="حيفا", name_ru="Хайфа")
    named = make_lead(city=city)

    assert texts.city_name(named, "ar") == "حيفا"
    assert texts.city_name(named, "ru") == "Хайфа"
    assert texts.city_name(LEAD, "ar") == "חיפה"  # no Arabic name: the name on the signs
    assert texts.city_name(LEAD, "ru") == "Haifa"  # no Russian name: Latin letters


def test_a_pro_reads_a_non_hebrew_customer_in_a_hebrew_summary_and_the_customers_words():
    russian = make_lead(
        language="ru",
        summary="У меня течёт кран на кухне",
        description="Здравствуйте\nУ меня течёт кран на кухне, ул. הרצל 12",
    )

    offer = texts.pro_job_offer(russian, TUESDAY)

    assert "תיאור: אינסטלציה · חיפה · דחוף" in offer
    assert "במילים של הלקוח/ה (רוסית): Здравствуйте У меня течёт кран на кухне" in offer
    assert language_of(offer) == "he"


def test_a_hebrew_summary_is_the_pros_description_and_a_hebrew_customer_needs_no_more():
    arabic = make_lead(language="ar", summary="נזילה מתחת לכיור", description="عندي تسريب")
    hebrew = make_lead(language="he", summary="נזילה מתחת לכיור", description="נזילה")

    assert "תיאור: נזילה מתחת לכיור" in texts.pro_job_offer(arabic, TUESDAY)
    assert "(ערבית): عندي تسريب" in texts.pro_job_offer(arabic, TUESDAY)
    assert "במילים של" not in texts.pro_job_offer(hebrew, TUESDAY)


def test_a_non_hebrew_customers_long_words_are_clipped_for_the_pro():
    words = " ".join(["кран"] * 200)
    offer = texts.pro_job_offer(make_lead(language="ru", description=words), TUESDAY)

    line = next(line for line in offer.split("\n") if line.startswith("במילים של"))
    assert line.endswith("…") and len(line) < texts.CUSTOMER_WORDS_CHARS + 40


def test_what_a_non_hebrew_customer_adds_is_marked_with_the_language_for_the_pro():
    arabic = make_lead(language="ar")

    added = texts.pro_customer_added(arabic, "الباب ما بيسكر", [])

    assert added.split("\n")[0].endswith("הוסיף/ה, בערבית:")
    assert "الباب ما بيسكر" in added


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
