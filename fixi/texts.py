"""Every message Fixi sends on WhatsApp, in one place, written once through gettext.

Each text is an English msgid; its Hebrew, Arabic and Russian are in
locale/{he,ar,ru}/LC_MESSAGES/django.po. A text is rendered in the language of whoever reads
it, whatever language is active in the process:

- customers: their own language (Hebrew, English, Arabic or Russian; Hebrew for any other);
- pros and the admin's WhatsApp: always Hebrew. A customer who does not write Hebrew is
  shown to the pro by a Hebrew summary and their own words beside it.

Every customer text leaves here with each line's direction settled (`directed`): WhatsApp
sets a line right-to-left or left-to-right by its first letter, so an Arabic or Hebrew line
that opens with a Latin pro name, a time or an emoji alone would read left-to-right, and a
Russian or English line that opens with a Hebrew service name right-to-left.

Texts to pros carry the context "to a pro" and texts to the admin "to the admin", so their
Hebrew never has to match a customer's. Hebrew to customers is gender-neutral the way
WhatsApp writes it (plural forms, "לך", "איתך"), so one text fits every customer; a pro's
gender is not known, and neither is a customer's in a pro's message, so those sentences use
"/ה" forms. Times are shown in the business time zone.

Layer 0: nothing here imports from the apps. Functions take what they format (a lead, a
pro, a slot's start) and read only its attributes. Word lists Fixi reads (synonyms, cancel
words, city names) live with the code that reads them; only the words Fixi says are here.
"""

import functools
import inspect
import unicodedata
from urllib.parse import quote

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, npgettext, override, pgettext, pgettext_lazy

from fixi import phones
from fixi.vocabulary import Language, language_of

HEBREW = Language.HEBREW.value
ENGLISH = Language.ENGLISH.value
ARABIC = Language.ARABIC.value
RUSSIAN = Language.RUSSIAN.value
CUSTOMER_LANGUAGES = (HEBREW, ENGLISH, ARABIC, RUSSIAN)
RIGHT_TO_LEFT = (HEBREW, ARABIC)
SIGNATURE = "Fixi Support"
MAX_PRICE_LINES = 5
# The customer's files a pro is sent, each as a WhatsApp message after the text about them.
MAX_FORWARDED_FILES = 10
CUSTOMER_WORDS_CHARS = 300  # a non-Hebrew customer's own words in a pro's message

RLM = "\u200f"  # RIGHT-TO-LEFT MARK
LRM = "\u200e"  # LEFT-TO-RIGHT MARK
_STRONG_RTL = ("R", "AL")


def _lang(language: str) -> str:
    """The language Fixi answers a customer in: theirs when Fixi speaks it, else Hebrew."""
    return language if language in CUSTOMER_LANGUAGES else HEBREW


def _first_strong(line: str) -> str:
    """The bidirectional class of the line's first letter: "L", "R", "AL", or "" for none."""
    for character in line:
        kind = unicodedata.bidirectional(character)
        if kind in ("L", "R", "AL"):
            return kind
    return ""


def _directed_line(line: str, right_to_left: bool) -> str:
    if not line or line[0] in (RLM, LRM):
        return line
    strong = _first_strong(line)
    if right_to_left and strong not in _STRONG_RTL:
        return RLM + line  # a Latin name, a time or an emoji first; or no letter at all
    if not right_to_left and strong in _STRONG_RTL:
        return LRM + line  # a Hebrew or Arabic name or service first
    return line


def directed(text: str, language: str) -> str:
    """`text` with a direction mark opening each line whose first letter would set it in
    the wrong direction for `language`'s reader; other lines are left as they are."""
    right_to_left = _lang(language) in RIGHT_TO_LEFT
    return "\n".join(_directed_line(line, right_to_left) for line in text.split("\n"))


def _to_customer(function):
    """Render `function` in its `language` argument's language, each line's direction set."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def rendered(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        language = _lang(bound.arguments["language"])
        with override(language):
            result = function(*args, **kwargs)
        return directed(result, language) if isinstance(result, str) else result

    return rendered


def _in_hebrew(function):
    """Render `function` in Hebrew: pros and the admin read Hebrew."""

    @functools.wraps(function)
    def rendered(*args, **kwargs):
        with override(HEBREW):
            return function(*args, **kwargs)

    return rendered


# --- days, times, places ----------------------------------------------------------------

WEEKDAYS_SHORT = [  # Monday first, as datetime.weekday()
    pgettext_lazy("weekday on a slot button", "Mon"),
    pgettext_lazy("weekday on a slot button", "Tue"),
    pgettext_lazy("weekday on a slot button", "Wed"),
    pgettext_lazy("weekday on a slot button", "Thu"),
    pgettext_lazy("weekday on a slot button", "Fri"),
    pgettext_lazy("weekday on a slot button", "Sat"),
    pgettext_lazy("weekday on a slot button", "Sun"),
]

# The English is the key itself, as the pro's and the admin's Hebrew is all anyone reads.
ISSUE_NAMES = {
    "plumbing": pgettext_lazy("issue type key", "plumbing"),
    "electrical": pgettext_lazy("issue type key", "electrical"),
    "hvac": pgettext_lazy("issue type key", "hvac"),
    "appliances": pgettext_lazy("issue type key", "appliances"),
    "locksmith": pgettext_lazy("issue type key", "locksmith"),
    "handyman": pgettext_lazy("issue type key", "handyman"),
    "sealing": pgettext_lazy("issue type key", "sealing"),
    "other": pgettext_lazy("issue type key", "other"),
}


@_to_customer
def when(moment, language: str = HEBREW) -> str:
    """The day in words and digits, and the hour, local time: 'יום שלישי 8/12 בשעה 10:00' /
    'Tuesday 8 Dec at 10:00'. Every booking message uses it, so a day is never in doubt."""
    # Translators: a Django date format (l: weekday, j: day, M: month abbreviation,
    # n: month number, H:i: hour and minute); escape with \ letters meant literally.
    day_format = pgettext("day and hour of a visit", "l j M \\a\\t H:i")
    return dateformat.format(timezone.localtime(moment), day_format)


@_to_customer
def slot_label(moment, language: str = HEBREW) -> str:
    """A button's text (at most 25 characters): 'ג׳ 24.11 10:00' / 'Tue 24/11 10:00'."""
    local = timezone.localtime(moment)
    return pgettext("slot button", "%(weekday)s %(day)s/%(month)s %(time)s") % {
        "weekday": WEEKDAYS_SHORT[local.weekday()],
        "day": local.day,
        "month": local.month,
        "time": f"{local:%H:%M}",
    }


@_to_customer
def issue_label(issue_type: str, language: str = HEBREW) -> str:
    if not issue_type:
        return ""
    name = ISSUE_NAMES.get(issue_type)
    return str(name) if name is not None else issue_type.replace("_", " ")


def city_name(lead, language: str = HEBREW) -> str:
    """The city's name in the language (its stored name, not a translation), else as written.

    Arabic and Russian read the city's own name in their script when the city has one, else
    the Hebrew name (Arabic: the name on every sign) or the English one (Russian: a
    Cyrillic reader reads Latin letters more easily than Hebrew)."""
    if lead.city is None:
        return lead.city_text
    language = _lang(language)
    if language == ARABIC:
        return lead.city.name_ar or lead.city.name_he
    if language == RUSSIAN:
        return lead.city.name_ru or lead.city.name_en
    return lead.city.name_en if language == ENGLISH else lead.city.name_he


def price_lines(pro) -> list[str]:
    """The pro's price list from the database (cheapest first); the model never sets prices."""
    items = list(pro.price_items.all().order_by("price")[:MAX_PRICE_LINES])
    lines = []
    for item in items:
        note = f" ({item.note})" if item.note else ""
        lines.append(f"• {item.service}: ₪{item.price:,.0f}{note}")
    return lines


def _place(lead) -> dict:
    """The placeholders every message about a job's place uses, in Hebrew."""
    return {
        "issue": issue_label(lead.issue_type),
        "address": lead.full_address,
        "city": city_name(lead),
    }


def forwarded_files(files: list[dict]) -> list[dict]:
    """The files (as the media store keeps them) a pro is sent after a message about a job,
    at most MAX_FORWARDED_FILES; the message says how many follow, never where they are
    kept (a local path is no link on WhatsApp)."""
    return [item for item in files or [] if item and item.get("url")][:MAX_FORWARDED_FILES]


def _files_follow(files: list[dict]) -> str:
    count = len(forwarded_files(files))
    if not count:
        return ""
    return npgettext(
        "to a pro",
        "📎 %(count)s photo or file from the customer follows in the next message.",
        "📎 %(count)s photos or files from the customer follow in the next messages.",
        count,
    ) % {"count": count}


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _hebrew_summary(lead) -> str:
    """The job in one Hebrew line for the pro: the lead's summary when it is Hebrew (Gemini
    writes it in Hebrew for any customer), else the trade, the city and whether it is
    urgent, from what was understood."""
    summary = (lead.summary or "").strip()
    if summary and language_of(summary) == HEBREW:
        return summary
    parts = [issue_label(lead.issue_type), city_name(lead)]
    if lead.urgent:
        parts.append(pgettext("to a pro", "urgent"))
    return " · ".join(part for part in parts if part)


def _language_name(lead) -> str:
    """The customer's language in Hebrew words ("רוסית"), for a pro."""
    try:
        return str(Language(lead.language).label)
    except ValueError:
        return lead.language


def _customer_words(lead) -> str:
    """What a customer who does not write Hebrew wrote, as written, clipped; "" for a
    Hebrew customer, whose summary is their own words."""
    if lead.language == HEBREW:
        return ""
    return _clip(lead.description or lead.summary or "", CUSTOMER_WORDS_CHARS)


# --- buttons ----------------------------------------------------------------------------


@_in_hebrew
def pro_buttons() -> tuple[tuple[str, str], ...]:
    """A new job's Approve/Reject buttons (the words are also what a pro may type)."""
    return (
        ("approve", pgettext("button to a pro", "Approve")),
        ("reject", pgettext("button to a pro", "Reject")),
    )


@_to_customer
def reminder_buttons(language: str) -> tuple[tuple[str, str], ...]:
    return (
        ("confirm", pgettext("reminder button", "Confirm")),
        ("reschedule", pgettext("reminder button", "Reschedule")),
        ("cancel", pgettext("reminder button", "Cancel")),
    )


@_to_customer
def reply_with_number(language: str = HEBREW) -> str:
    """The line above a button message's numbered options."""
    return _("You can also reply with a number:")


# --- the first answers (templated when Gemini is not configured or fails) ------------------

QUESTIONS = {
    "city": gettext_lazy("Which city are you in?"),
    "issue": gettext_lazy("What needs fixing? A few words or a photo is plenty."),
    "address": gettext_lazy("What's the address? Street, house number and flat if there is one."),
    "time": gettext_lazy("When would suit you? A day and a rough time is perfect."),
    "name": gettext_lazy("And what's your name?"),
}

# One tip per urgency reason (ai.types.URGENCY_REASONS); Israeli emergency numbers:
# police 100, Magen David Adom 101, fire and rescue 102, Israel Electric Corporation 103.
SAFETY_TIPS = {
    "flooding": gettext_lazy(
        "First, turn off the main water valve (usually next to the water meter). If the "
        "water is near outlets or appliances, switch off the main breaker, but only if you "
        "can reach the panel without standing in water."
    ),
    "gas_smell": gettext_lazy(
        "Don't switch any lights or appliances on or off, and don't light anything. Open the "
        "windows, close the gas valve if you can, get everyone out and call the fire service "
        "on 102 or your gas company's emergency line."
    ),
    "sparks": gettext_lazy(
        "Don't touch the outlet or the panel. If it's safe, switch off the main breaker. If "
        "there's fire or heavy smoke, get out and call the fire service on 102."
    ),
    "no_power": gettext_lazy(
        "Check whether the neighbours have power. If they don't, it's an outage: call the "
        "Israel Electric Corporation on 103. If it's only you, don't touch the panel with wet "
        "hands; you can try resetting the main breaker once."
    ),
    "locked_out": gettext_lazy(
        "If a child or anyone who needs help is inside, call the police on 100 or MDA on 101 "
        "first: they'll get there fastest. Meanwhile we're finding you a locksmith."
    ),
}


@_to_customer
def ask_for(missing_field: str, language: str) -> str:
    """One short question for a missing field: city, issue, address, time or name."""
    try:
        return str(QUESTIONS[missing_field])
    except KeyError:
        raise ValueError(
            f"no question for {missing_field!r}; use one of {list(QUESTIONS)}"
        ) from None


@_to_customer
def safety_tip(reason: str, language: str) -> str:
    """The tip for a named danger, or "" (a plain "urgent" has no tip)."""
    tip = SAFETY_TIPS.get(reason)
    return str(tip) if tip is not None else ""


@_to_customer
def urgent_note(reason: str, language: str) -> str:
    """What to tell an urgent customer first: the safety tip, or that we are on it."""
    return safety_tip(reason, language) or _("Got it, it's urgent: we're on it first.")


@_to_customer
def no_pro_available(language: str) -> str:
    text = _(
        "Sorry, no pro is free in your area right now. We've passed your request to our "
        "team and we'll get back to you soon."
    )
    return f"{text}\n{SIGNATURE}"


@_to_customer
def received(language: str, name: str = "") -> str:
    if name:
        return _(
            "Thanks %(name)s! We've got your request and we're finding the right pro. "
            "We'll update you shortly."
        ) % {"name": name}
    return _(
        "Thanks! We've got your request and we're finding the right pro. We'll update you shortly."
    )


@_to_customer
def all_set(language: str) -> str:
    return _("Great, we have everything we need. We're lining up a pro and will update you here.")


@_to_customer
def flood_notice(language: str) -> str:
    return _(
        "We got a lot of messages in a row 🙏 We'll read them all together and answer as "
        "soon as you're done writing."
    )


@_to_customer
def persona_fallback(pro, language: str) -> str:
    """The pro's reply when Gemini is not configured or its answer cannot be used."""
    return _(
        "Hi! We got your message for %(pro)s. We will get back to you shortly to arrange a time."
    ) % {"pro": pro.name}


# --- to the pro (Hebrew) -------------------------------------------------------------------


@_in_hebrew
def pro_job_offer(lead, slot_start) -> str:
    """The new-job message: everything a pro needs to say yes or no between jobs."""
    place = _place(lead)
    if lead.urgent:
        head = pgettext("to a pro", "🔧 New job from Fixi — urgent!")
    else:
        head = pgettext("to a pro", "🔧 New job from Fixi")
    name = lead.customer.first_name or pgettext("to a pro", "no name given")
    lines = [
        head,
        pgettext("to a pro", "Type: %(issue)s") % place,
        pgettext("to a pro", "City: %(city)s") % place,
        pgettext("to a pro", "Address: %(address)s") % place,
        pgettext("to a pro", "When: %(when)s") % {"when": when(slot_start)},
        pgettext("to a pro", "Customer: %(name)s") % {"name": name},
    ]
    summary = _hebrew_summary(lead)
    if summary:
        lines.append(pgettext("to a pro", "Description: %(summary)s") % {"summary": summary})
    words = _customer_words(lead)
    if words:
        lines.append(
            pgettext("to a pro", "In the customer's words (%(language)s): %(words)s")
            % {"language": _language_name(lead), "words": words}
        )
    files = _files_follow(lead.media)
    if files:
        lines.append(files)
    lines.append("")
    lines.append(pgettext("to a pro", "Approve the job?"))
    return "\n".join(lines)


@_in_hebrew
def pro_approved(lead, slot_start) -> str:
    customer = lead.customer
    return pgettext(
        "to a pro",
        "✅ Your job: %(issue)s, %(address)s, %(city)s, %(when)s.\n"
        "Customer: %(name)s, phone %(phone)s.\n"
        'When you set out, write "on my way", and when you finish, "done".',
    ) % {
        **_place(lead),
        "when": when(slot_start),
        "name": customer.name or "—",
        # As Israelis write it (052-123-4567), which WhatsApp makes a tap-to-call link.
        "phone": phones.national(customer.phone or customer.chat_id),
    }


@_in_hebrew
def pro_rejected_ack() -> str:
    return pgettext("to a pro", "Got it, thanks. We'll pass the job to another pro.")


@_in_hebrew
def pro_late_answer() -> str:
    return pgettext(
        "to a pro",
        "This job has already gone to another pro, so your answer wasn't recorded. Thanks!",
    )


@_in_hebrew
def pro_already_answered(approved: bool) -> str:
    if approved:
        return pgettext("to a pro", "You've already approved this job – all set 👍")
    return pgettext("to a pro", "You've already answered this job; nothing was changed.")


@_in_hebrew
def pro_lead_moved(lead, why: str) -> str:
    """A job that left the pro, with `why` in the pro's Hebrew (prefer the texts below)."""
    return pgettext("to a pro", "The job (%(issue)s, %(address)s, %(city)s) %(why)s.") % {
        **_place(lead),
        "why": why,
    }


@_in_hebrew
def pro_customer_cancelled(lead) -> str:
    return pgettext(
        "to a pro",
        "The job (%(issue)s, %(address)s, %(city)s) was cancelled by the customer. The time "
        "in your calendar is free again.",
    ) % _place(lead)


@_in_hebrew
def pro_cancelled_by_fixi(lead) -> str:
    """A manager cancelled the job in the admin."""
    return pgettext(
        "to a pro",
        "The job (%(issue)s, %(address)s, %(city)s) was cancelled by Fixi. The time in your "
        "calendar is free again.",
    ) % _place(lead)


@_in_hebrew
def pro_reassigned(lead) -> str:
    """A manager gave the job to another pro."""
    return pgettext(
        "to a pro", "The job (%(issue)s, %(address)s, %(city)s) has been passed to another pro."
    ) % _place(lead)


@_in_hebrew
def pro_on_the_way_ack() -> str:
    return pgettext("to a pro", "Great, we've told the customer you're on your way 🚐")


@_in_hebrew
def pro_done_ack() -> str:
    return pgettext("to a pro", "Well done! The job is marked as completed ✔️")


@_in_hebrew
def pro_no_active_job() -> str:
    return pgettext("to a pro", "We couldn't find an open approved job of yours right now.")


@_in_hebrew
def pro_help(not_understood: bool = False) -> str:
    """Everything a pro can write, one command a line; after a message Fixi did not
    understand, that comes first (the message is in the managers' inbox too)."""
    commands = pgettext(
        "to a pro",
        "What you can write to me:\n"
        "✅ approve / reject – a new job (or its number)\n"
        "🚐 on my way – when you set out\n"
        "✔️ done 450 – the job is finished, with the price you charged\n"
        "💬 quote 450 [service] – a price offer to the customer\n"
        "📋 today / tomorrow / this week – your jobs\n"
        "🚫 block tomorrow · not available today after 14:00 – close times\n"
        "🌴 vacation 20-24/12 – days off\n"
        "🟢 open friday 8-12 – open times\n"
        "⏸️ break – no new jobs · back – new jobs again\n"
        "❓ help – this list",
    )
    if not not_understood:
        return commands
    head = pgettext("to a pro", "I didn't understand 🙂 I've passed your message to the Fixi team.")
    return f"{head}\n\n{commands}"


@_in_hebrew
def pro_timed_out(lead) -> str:
    return pgettext(
        "to a pro",
        "The job (%(issue)s, %(address)s, %(city)s) has been passed to another pro because "
        "no answer came in time.",
    ) % _place(lead)


@_in_hebrew
def pro_stale_followup(lead, slot_start) -> str:
    return pgettext(
        "to a pro",
        "The job for %(name)s (%(address)s, %(city)s, %(when)s) – are you done? Write "
        '"done" once the job is completed.',
    ) % {
        **_place(lead),
        "name": lead.customer.first_name or pgettext("to a pro", "the customer"),
        "when": when(slot_start),
    }


@_in_hebrew
def pro_rescheduled(lead, slot_start) -> str:
    return pgettext(
        "to a pro", "📅 New time: the job at %(address)s, %(city)s has moved to %(when)s."
    ) % {
        **_place(lead),
        "when": when(slot_start),
    }


@_in_hebrew
def pro_address_changed(lead) -> str:
    return pgettext(
        "to a pro", "📍 Update from the customer: the address is now %(address)s, %(city)s."
    ) % _place(lead)


@_in_hebrew
def pro_customer_added(lead, text: str, files: list[dict]) -> str:
    name = lead.customer.first_name or pgettext("to a pro", "the customer")
    if lead.language == HEBREW:
        head = pgettext("to a pro", "✉️ %(name)s (%(address)s, %(city)s) added:")
    else:
        head = pgettext("to a pro", "✉️ %(name)s (%(address)s, %(city)s) added, in %(language)s:")
    lines = [head % {**_place(lead), "name": name, "language": _language_name(lead)}]
    if text.strip():
        lines.append(text.strip()[:500])
    follow = _files_follow(files)
    if follow:
        lines.append(follow)
    return "\n".join(lines)


@_in_hebrew
def pro_file_caption(lead) -> str:
    """Under a customer's photo or video sent to the pro: whose and which job it is."""
    name = lead.customer.first_name or pgettext("to a pro", "the customer")
    return pgettext("to a pro", "📎 From %(name)s (%(address)s, %(city)s)") % {
        **_place(lead),
        "name": name,
    }


# --- to the pro: the office on WhatsApp (Hebrew) ----------------------------------------------

AGENDA_SUMMARY_CHARS = 120


def _job_address(lead) -> str:
    """The address with the city in Hebrew, once (the customer often wrote the city too)."""
    city = city_name(lead)
    parts = [part for part in (lead.full_address, city) if part]
    if len(parts) == 2 and parts[1] in parts[0]:
        return parts[0]
    return ", ".join(parts)


def _waze_link(address: str) -> str:
    return f"https://waze.com/ul?q={quote(address, safe='')}&navigate=yes"


def _whatsapp_link(customer) -> str:
    return f"https://wa.me/{customer.chat_id.partition('@')[0]}"


def _agenda_day(day) -> str:
    # Translators: a Django date format (l: weekday, j: day, n: month number).
    return dateformat.format(day, pgettext("day in a pro's agenda", "l j/n"))


def _agenda_job(number: int, lead) -> list[str]:
    """One job in a few short lines: a pro reads them between two jobs."""
    name = lead.customer.first_name or pgettext("to a pro", "the customer")
    lines = [f"{number}) {timezone.localtime(lead.appointment_time):%H:%M} · {name}"]
    address = _job_address(lead)
    if address:
        lines += [f"📍 {address}", f"🧭 {_waze_link(address)}"]
    issue = issue_label(lead.issue_type) or pgettext("to a pro", "a job")
    summary = (lead.summary or "").strip()[:AGENDA_SUMMARY_CHARS]
    if language_of(summary) in (ARABIC, RUSSIAN):
        summary = ""  # the pro reads Hebrew: the trade says it
    lines.append(f"🔧 {issue} – {summary}" if summary else f"🔧 {issue}")
    if lead.urgent:
        lines.append(pgettext("to a pro", "🚨 Urgent"))
    if lead.status == "booked":  # the phone only once the pro took the job
        lines.append(f"📞 {_whatsapp_link(lead.customer)}")
    else:
        lines.append(pgettext("to a pro", "⏳ Waiting for your approval"))
    return lines


@_in_hebrew
def pro_agenda(span: str, days: list) -> str:
    """The pro's jobs in time order, `days` as [(date, [lead, ...])] with at least one
    job; `span` is "today", "tomorrow" or "week" (the next seven days, day by day)."""
    count = sum(len(jobs) for _day, jobs in days)
    heads = {
        "today": pgettext("to a pro", "📋 Your jobs today, %(day)s (%(count)s):"),
        "tomorrow": pgettext("to a pro", "📋 Your jobs tomorrow, %(day)s (%(count)s):"),
        "week": pgettext("to a pro", "📋 Your jobs this coming week (%(count)s):"),
    }
    lines = [heads[span] % {"day": _agenda_day(days[0][0]), "count": count}]
    for day, jobs in days:
        if span == "week":
            lines += ["", f"*{_agenda_day(day)}*"]
        for number, lead in enumerate(jobs, 1):
            lines += ["", *_agenda_job(number, lead)]
    lines += ["", pgettext("to a pro", 'More: "tomorrow", "this week". All commands: "help".')]
    return "\n".join(lines)


@_in_hebrew
def pro_agenda_empty(span: str) -> str:
    empty = {
        "today": pgettext("to a pro", "You have no jobs today 🙂"),
        "tomorrow": pgettext("to a pro", "You have no jobs tomorrow 🙂"),
        "week": pgettext("to a pro", "You have no jobs this coming week 🙂"),
    }
    return empty[span]


@_in_hebrew
def pro_paused(jobs: int) -> str:
    """The pro wrote "break": no new jobs; the jobs the pro has stay."""
    if jobs:
        kept = npgettext(
            "to a pro",
            "Your %(count)s open job stays as it is.",
            "Your %(count)s open jobs stay as they are.",
            jobs,
        ) % {"count": jobs}
    else:
        kept = pgettext("to a pro", "Jobs you already have stay as they are.")
    return "\n".join(
        [
            pgettext("to a pro", "⏸️ You're on a break: no new jobs will come to you."),
            kept,
            pgettext("to a pro", 'When you\'re back, write "back".'),
        ]
    )


@_in_hebrew
def pro_already_paused(since) -> str:
    return pgettext(
        "to a pro",
        'You\'re already on a break since %(when)s.\nTo get new jobs again, write "back".',
    ) % {"when": when(since)}


@_in_hebrew
def pro_resumed() -> str:
    return pgettext("to a pro", "▶️ Welcome back! New jobs will come to you again.")


@_in_hebrew
def pro_not_paused() -> str:
    return pgettext("to a pro", "You're not on a break: new jobs come to you as usual.")


# --- to the pro: availability by message (Hebrew) --------------------------------------------


@_in_hebrew
def calendar_day(day) -> str:
    """'יום שלישי 8/12': a day of the pro's calendar."""
    # Translators: a Django date format (l: weekday, j: day, n: month number); escape with \
    # letters meant literally.
    return dateformat.format(day, pgettext("day in a pro's calendar", "l j/n"))


@_in_hebrew
def availability_buttons() -> tuple[tuple[str, str], ...]:
    """Apply or cancel a change to the pro's calendar (also the words a pro may type)."""
    return (
        ("apply", pgettext("button to a pro", "Apply")),
        ("cancel", pgettext("button to a pro", "Cancel")),
    )


@_in_hebrew
def pro_availability_day(day, spans: list[str], count: int) -> str:
    """One day of a change: 'יום שלישי 8/12: 08:00–12:00, 14:00–16:00 (6 חלונות)'."""
    return npgettext(
        "to a pro",
        "%(day)s: %(times)s (%(count)s slot)",
        "%(day)s: %(times)s (%(count)s slots)",
        count,
    ) % {"day": calendar_day(day), "times": ", ".join(spans), "count": count}


@_in_hebrew
def pro_availability_job(lead, slot_start) -> str:
    """A booked job that a change to the calendar leaves where it is."""
    name = lead.customer.first_name or pgettext("to a pro", "the customer")
    return pgettext("to a pro", "• %(when)s, %(name)s, %(issue)s, at %(address)s, %(city)s") % {
        **_place(lead),
        "when": when(slot_start),
        "name": name,
    }


def _untouched(jobs: list[str]) -> list[str]:
    if not jobs:
        return []
    return [
        "",
        pgettext("to a pro", "Not touching:"),
        *jobs,
        pgettext(
            "to a pro", "Booked jobs stay; to move one, arrange it with the customer or Fixi."
        ),
    ]


@_in_hebrew
def pro_availability_preview(action: str, days: list[str], jobs: list[str], replaced: bool) -> str:
    """What a request will change, before the pro confirms it."""
    if action == "open":
        head = pgettext("to a pro", "🗓️ To open in your calendar:")
    else:
        head = pgettext("to a pro", "🗓️ To close in your calendar:")
    lines = [head, *days, *_untouched(jobs)]
    if replaced:
        lines += ["", pgettext("to a pro", "Your earlier request that was waiting is cancelled.")]
    lines += ["", pgettext("to a pro", "Go ahead?")]
    return "\n".join(lines)


@_in_hebrew
def pro_availability_nothing(action: str, jobs: list[str]) -> str:
    """A request that would change no slot (the booked jobs there are still listed)."""
    if action == "open":
        text = pgettext("to a pro", "Those hours are already open in your calendar.")
    else:
        text = pgettext("to a pro", "There's nothing free to close then.")
    lines = [text, *_untouched(jobs), "", pgettext("to a pro", "Nothing was changed.")]
    return "\n".join(lines)


@_in_hebrew
def pro_availability_done(action: str, changed: int, skipped: int) -> str:
    if action == "open":
        head = npgettext(
            "to a pro",
            "✅ Done: %(count)s slot opened in your calendar.",
            "✅ Done: %(count)s slots opened in your calendar.",
            changed,
        )
    else:
        head = npgettext(
            "to a pro",
            "✅ Done: %(count)s slot closed in your calendar.",
            "✅ Done: %(count)s slots closed in your calendar.",
            changed,
        )
    lines = [head % {"count": changed}]
    if skipped:
        lines.append(
            npgettext(
                "to a pro",
                "%(count)s slot had changed meanwhile (booked or changed already) and was left.",
                "%(count)s slots had changed meanwhile (booked or changed already) and were left.",
                skipped,
            )
            % {"count": skipped}
        )
    return "\n".join(lines)


@_in_hebrew
def pro_availability_cancelled() -> str:
    return pgettext("to a pro", "Cancelled. Nothing was changed in your calendar.")


@_in_hebrew
def pro_availability_not_waiting(applied: bool) -> str:
    """An answer to a request that was applied, cancelled or replaced already."""
    if applied:
        return pgettext("to a pro", "This change has already been made ✔️")
    return pgettext(
        "to a pro",
        "This request is no longer waiting (it was cancelled or replaced); nothing was changed.",
    )


@_in_hebrew
def pro_availability_ask(problem: str, max_days: int) -> str:
    """A request Fixi will not guess: which day, which hours."""
    questions = {
        "no_day": pgettext("to a pro", "Which day? Nothing was changed."),
        "unreadable": pgettext(
            "to a pro", "We couldn't read the days or hours exactly, so nothing was changed."
        ),
        "past": pgettext("to a pro", "That day has already passed. Which day did you mean?"),
        "too_long": pgettext(
            "to a pro", "That's more than %(days)s days at once; please send shorter ranges."
        )
        % {"days": max_days},
        "hours": pgettext("to a pro", "Which hours exactly? Nothing was changed."),
    }
    examples = pgettext(
        "to a pro",
        'For example: "block tomorrow", "not available today after 14:00", '
        '"vacation 20-24/12", "open Friday 8-12".',
    )
    return f"{questions[problem]}\n{examples}"


# --- to the admin (Hebrew) -------------------------------------------------------------------


@_in_hebrew
def sos_report(lines: list[str]) -> str:
    count = len(lines)
    head = npgettext(
        "to the admin",
        "🆘 Fixi – %(count)s lead nobody could take:",
        "🆘 Fixi – %(count)s leads nobody could take:",
        count,
    ) % {"count": count}
    return head + "\n\n" + "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


@_in_hebrew
def ago(delta) -> str:
    """How long ago, roughly: minutes under an hour, hours under two days, then days."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        count = minutes
        text = npgettext("to the admin", "%(count)s minute ago", "%(count)s minutes ago", count)
    elif minutes < 48 * 60:
        count = minutes // 60
        text = npgettext("to the admin", "%(count)s hour ago", "%(count)s hours ago", count)
    else:
        count = minutes // (24 * 60)
        text = npgettext("to the admin", "%(count)s day ago", "%(count)s days ago", count)
    return text % {"count": count}


@_in_hebrew
def whatsapp_reconnected(previous: str) -> str:
    return pgettext(
        "to the admin",
        "Fixi: the WhatsApp connection is working again (previous state: %(previous)s). "
        "Messages sent during the outage will be sent now.",
    ) % {"previous": previous}


def _clock(moment) -> str:
    return f"{timezone.localtime(moment):%d/%m %H:%M}"


@_in_hebrew
def whatsapp_down(state: str, since) -> str:
    """Queued when the disconnection is seen; it leaves through the same WhatsApp, so
    often only once the connection is back, and says so."""
    return pgettext(
        "to the admin",
        "Fixi: WhatsApp is not connected since %(since)s (state: %(state)s). Customers' "
        "messages do not reach Fixi and its replies wait to be sent. Reconnect the "
        "instance in the Green API console. If this message reaches you late, it waited "
        "for the connection too.",
    ) % {"state": state, "since": _clock(since)}


@_in_hebrew
def whatsapp_outage_over(state: str, since, until) -> str:
    """Replaces the disconnection alert when that could not leave before the end."""
    return pgettext(
        "to the admin",
        "Fixi: WhatsApp was not connected from %(since)s to %(until)s (state: %(state)s) "
        "and is working again. The messages that waited are being sent now.",
    ) % {"state": state, "since": _clock(since), "until": _clock(until)}


# --- to the customer: booking ------------------------------------------------------------------


@_to_customer
def asked_pro(pro, slot_start, language: str) -> str:
    return _(
        "We've asked %(pro)s to confirm %(when)s. We'll let you know here as soon as they do."
    ) % {"pro": pro.name, "when": when(slot_start, language)}


@_to_customer
def offer_slots(pro, asked, language: str) -> str:
    return _(
        "%(pro)s isn't free %(when)s. These are the nearest free times – which one suits you?"
    ) % {"pro": pro.name, "when": when(asked, language)}


@_to_customer
def pro_nearby(town: dict, language: str) -> str:
    """The pro comes from a town near the customer's: routing's reason["nearby"] (the
    town's names and its distance in km)."""
    names = {
        ENGLISH: [town.get("city")],
        HEBREW: [town.get("city_he")],
        ARABIC: [town.get("city_ar"), town.get("city_he")],  # as city_name() chooses
        RUSSIAN: [town.get("city_ru"), town.get("city")],
    }[_lang(language)]
    name = next((n for n in names if n), town.get("city"))
    return _(
        "No pro is free in your own town right now, so we found one nearby: in "
        "%(city)s, about %(km)s km away."
    ) % {"city": name, "km": str(max(1, round(town["km"])))}


@_to_customer
def slot_gone(language: str) -> str:
    return _("Sorry, that time was just taken.")


@_to_customer
def confirmed(lead, pro, slot_start, language: str) -> str:
    text = _("✅ Booked! %(pro)s will come to %(address)s, %(city)s on %(when)s.") % {
        "pro": pro.name,
        "address": lead.full_address,
        "city": city_name(lead, language),
        "when": when(slot_start, language),
    }
    prices = price_lines(pro)
    if prices:
        text += "\n\n" + _("%(pro)s's prices:") % {"pro": pro.name} + "\n" + "\n".join(prices)
    return text + "\n\n" + _('To cancel, just write "cancel".')


@_to_customer
def waiting_for_pro(pro, language: str) -> str:
    return _("We're waiting for %(pro)s to confirm; we'll update you here.") % {"pro": pro.name}


@_to_customer
def booked_status(pro, slot_start, language: str) -> str:
    return _('You\'re booked with %(pro)s on %(when)s. To cancel, write "cancel".') % {
        "pro": pro.name,
        "when": when(slot_start, language),
    }


@_to_customer
def on_the_way(pro, language: str) -> str:
    return _("🚐 %(pro)s is on the way to you.") % {"pro": pro.name}


@_to_customer
def ask_rating(pro, language: str) -> str:
    return _(
        "%(pro)s has marked the job as done. How was it? Reply with a number from 1 (poor) "
        "to 5 (excellent)."
    ) % {"pro": pro.name}


@_to_customer
def rating_thanks(language: str) -> str:
    return _("Thank you for the rating! 🙏")


@_to_customer
def cancelled(language: str) -> str:
    return _("Your request has been cancelled. Write to us any time you need a pro.")


@_to_customer
def cancel_too_late(language: str) -> str:
    return _("The appointment time has already started, so it can't be cancelled here.")


@_to_customer
def nothing_to_cancel(language: str) -> str:
    return _("There's no open request to cancel.")


# --- to the customer: the periodic jobs ---------------------------------------------------------


@_to_customer
def offer_expired(language: str) -> str:
    return _(
        "The times we offered are no longer held. When would suit you? A day and a rough time "
        "is perfect."
    )


@_to_customer
def customer_stale_check(pro, language: str) -> str:
    return _(
        "Did %(pro)s come and finish the job? If it's done, reply with a rating from 1 to 5 "
        "once they mark it; if not, just tell us here and we'll sort it out."
    ) % {"pro": pro.name}


@_to_customer
def reminder(lead, pro, slot_start, hours: int, language: str) -> str:
    if hours == 24:
        text = _("⏰ Reminder: Tomorrow – %(pro)s, %(when)s, %(address)s.")
    else:
        text = _("⏰ Reminder: In about two hours – %(pro)s, %(when)s, %(address)s.")
    return text % {
        "pro": pro.name,
        "when": when(slot_start, language),
        "address": lead.full_address,
    }


@_to_customer
def reminder_confirmed(language: str) -> str:
    return _("Thanks, see you then! 👍")


@_to_customer
def reschedule_offer(pro, language: str) -> str:
    return _("These are %(pro)s's nearest free times – which one suits you?") % {"pro": pro.name}


@_to_customer
def no_other_times(language: str) -> str:
    return _("Sorry, there are no other free times right now; your booking stays as it is.")


@_to_customer
def rescheduled(pro, slot_start, language: str) -> str:
    return _("✅ Moved: %(pro)s, %(when)s.") % {
        "pro": pro.name,
        "when": when(slot_start, language),
    }


# --- to the customer: the conversation after routing -------------------------------------------


@_to_customer
def call_answer(language: str) -> str:
    return _(
        "We can't take calls on this number, but we answer here in writing, fast: send a "
        "message or a voice note and we'll take it from there."
    )


@_to_customer
def thanks_reply(language: str) -> str:
    return _("You're welcome! 🙏")


@_to_customer
def person_will_answer(language: str) -> str:
    return _("Good question – someone from our team will answer you here shortly.")


@_to_customer
def price_unknown(language: str) -> str:
    return _(
        "The price depends on the pro and the job: as soon as we know what and where, we'll "
        "show you the pro's price list."
    )


@_to_customer
def price_answer(pro, likely: bool, language: str) -> str:
    """The pro's price list, from the database only."""
    if likely:
        head = _("%(pro)s's prices (the pro we'd most likely send):")
    else:
        head = _("%(pro)s's prices:")
    lines = "\n".join(price_lines(pro))  # may be empty: the layout stays the same
    final = _("The final price is agreed with the pro on site.")
    return "\n".join([head % {"pro": pro.name}, lines, final])


@_to_customer
def eta(lead, slot_start, language: str) -> str:
    """Where the visit stands: on the way, booked for a time, or waiting for the pro."""
    pro = lead.pro
    if lead.on_the_way_at and lead.status == "booked":
        return on_the_way(pro, language)
    if lead.status == "booked":
        text = _("%(pro)s is coming %(when)s. We'll tell you when they're on the way.")
    else:
        text = _("We've asked %(pro)s to confirm %(when)s; we'll tell you here as soon as they do.")
    return text % {"pro": pro.name, "when": when(slot_start, language)}


MOVE_OFFERS = {
    "earlier": gettext_lazy("These are %(pro)s's free times earlier – which one suits you?"),
    "later": gettext_lazy("These are %(pro)s's free times later – which one suits you?"),
    "other_day": gettext_lazy(
        "These are %(pro)s's free times on another day – which one suits you?"
    ),
}
NO_MOVE_TIMES = {
    "earlier": gettext_lazy(
        "Sorry, %(pro)s has no free time earlier right now; your time stays as it is."
    ),
    "later": gettext_lazy(
        "Sorry, %(pro)s has no free time later right now; your time stays as it is."
    ),
    "other_day": gettext_lazy(
        "Sorry, %(pro)s has no free time on another day right now; your time stays as it is."
    ),
}


@_to_customer
def move_offer(pro, direction: str, language: str) -> str:
    return str(MOVE_OFFERS[direction]) % {"pro": pro.name}


@_to_customer
def no_move_times(pro, direction: str, language: str) -> str:
    return str(NO_MOVE_TIMES[direction]) % {"pro": pro.name}


@_to_customer
def not_free_then(pro, asked, language: str) -> str:
    return _("%(pro)s isn't free %(when)s.") % {"pro": pro.name, "when": when(asked, language)}


@_to_customer
def address_updated(lead, language: str) -> str:
    return _("Updated: the address is now %(address)s, %(city)s. We've told %(pro)s.") % {
        "address": lead.full_address,
        "city": city_name(lead, language),
        "pro": lead.pro.name,
    }


@_to_customer
def passed_to_pro(pro, language: str) -> str:
    return _("Thanks, we've passed it on to %(pro)s.") % {"pro": pro.name}


@_to_customer
def ask_day_again(problem: str, language: str) -> str:
    """A day that could not be read, or one that has passed: asked again, never guessed."""
    if problem == "past":
        return _(
            "That date has already passed – which day would suit you? A day and a rough time "
            "is perfect."
        )
    return _("Sorry, I didn't catch the day – which day and roughly what time would suit you?")


# --- quotes, prices and receipts (leads.pro_office.prices) -------------------------------------


def shekels(amount) -> str:
    """₪450, ₪1,200, ₪12.50: whole shekels without agorot, agorot when there are some."""
    if amount == amount.to_integral_value():
        return f"₪{amount:,.0f}"
    return f"₪{amount:,.2f}"


def _customer_name(lead) -> str:
    return lead.customer.first_name or pgettext("to a pro", "the customer")


def _job_line(lead) -> str:
    """'Dana (plumbing, 10 Herzl St, Haifa)': which job, for a pro with several."""
    known = (issue_label(lead.issue_type), lead.full_address, city_name(lead))
    place = ", ".join(part for part in known if part)
    name = _customer_name(lead)
    return f"{name} ({place})" if place else name


@_in_hebrew
def pro_quote_sent(lead, amount, service: str) -> str:
    text = pgettext(
        "to a pro", "💬 Your quote of %(price)s was sent to %(job)s. We'll tell you their answer."
    ) % {"price": shekels(amount), "job": _job_line(lead)}
    if service:
        text += "\n" + pgettext("to a pro", "Service: %(service)s") % {"service": service}
    return text


@_in_hebrew
def pro_job_button(lead, slot_start) -> str:
    """A job's button (at most 25 characters): the customer's first name and the visit."""
    name = (lead.customer.first_name or issue_label(lead.issue_type))[:10]
    return f"{name} {slot_label(slot_start)}" if slot_start else name


@_in_hebrew
def pro_quote_which_job(amount, jobs: list, more: bool) -> str:
    """`jobs` as [(lead, slot start)], in the order of the buttons."""
    head = pgettext("to a pro", "Which job is the %(price)s quote for?")
    lines = [head % {"price": shekels(amount)}]
    for number, (lead, start) in enumerate(jobs, 1):
        visit = f" · {slot_label(start)}" if start else ""
        lines.append(f"{number}) {_job_line(lead)}{visit}")
    if more:
        lines.append(
            pgettext(
                "to a pro",
                "These are your nearest jobs. For another one, reply to that job's message "
                'with "quote" and the amount.',
            )
        )
    return "\n".join(lines)


@_in_hebrew
def pro_quote_choice_stale() -> str:
    return pgettext(
        "to a pro", 'That choice is no longer open. To send a quote, write "quote" and the amount.'
    )


@_in_hebrew
def pro_quote_accepted(lead, amount) -> str:
    return pgettext("to a pro", "✅ %(job)s approved your quote of %(price)s.") % {
        "job": _job_line(lead),
        "price": shekels(amount),
    }


@_in_hebrew
def pro_quote_declined(lead, amount) -> str:
    return pgettext(
        "to a pro",
        '❌ %(job)s declined your quote of %(price)s. To send another, write "quote" and the '
        "amount.",
    ) % {"job": _job_line(lead), "price": shekels(amount)}


@_in_hebrew
def pro_amount_unclear(written: str, example: str) -> str:
    """An amount that could be read more than one way (a range, an estimate, digits
    apart, two numbers): asked again, never guessed."""
    return pgettext(
        "to a pro",
        'I couldn\'t read one amount in "%(written)s". Please write one amount in digits, '
        "for example: %(example)s",
    ) % {"written": written.strip()[:80], "example": example}


@_in_hebrew
def pro_ask_final_price(lead, quoted) -> str:
    text = pgettext(
        "to a pro", "How much did you charge for the job at %(job)s? Write the amount, e.g. 450."
    ) % {"job": _job_line(lead)}
    if quoted is not None:
        was = pgettext("to a pro", "(Your quote was %(price)s.)")
        text += "\n" + was % {"price": shekels(quoted)}
    return text


@_in_hebrew
def pro_done_with_price(amount) -> str:
    return pgettext(
        "to a pro",
        "Well done! The job is marked as completed ✔️ We recorded %(price)s and sent the "
        "customer a receipt.",
    ) % {"price": shekels(amount)}


@_in_hebrew
def pro_final_price_recorded(lead, amount) -> str:
    return pgettext(
        "to a pro", "Recorded: %(price)s for the job at %(job)s. The customer got a receipt 🧾"
    ) % {"price": shekels(amount), "job": _job_line(lead)}


@_in_hebrew
def pro_price_already_recorded(lead, amount) -> str:
    return pgettext(
        "to a pro", "The price for the job at %(job)s was already recorded: %(price)s."
    ) % {"job": _job_line(lead), "price": shekels(amount)}


@_to_customer
def quote_offer(pro, amount, service: str, language: str) -> str:
    if service:
        text = _("💬 %(pro)s sent you a quote: %(price)s for %(service)s.")
    else:
        text = _("💬 %(pro)s sent you a quote for the job: %(price)s.")
    question = _("Do you approve?")
    return f"{text % {'pro': pro.name, 'price': shekels(amount), 'service': service}}\n{question}"


@_to_customer
def quote_buttons(language: str) -> tuple[tuple[str, str], ...]:
    """The quote's answers (keys); the words are also what a customer may type."""
    return (
        ("quote_accept", pgettext("quote button", "Approve")),
        ("quote_decline", pgettext("quote button", "Decline")),
    )


@_to_customer
def quote_accepted_reply(pro, language: str) -> str:
    return _("Thanks! We've told %(pro)s that you approved the quote 👍") % {"pro": pro.name}


@_to_customer
def quote_declined_reply(pro, language: str) -> str:
    return _(
        "Got it, we've told %(pro)s that you declined the quote. %(pro)s may get back to you "
        "with another one."
    ) % {"pro": pro.name}


@_to_customer
def quote_already_answered(accepted: bool, language: str) -> str:
    if accepted:
        return _("You've already approved this quote 👍")
    return _("You've already declined this quote.")


@_to_customer
def quote_replaced(language: str) -> str:
    return _("That quote has been replaced by a newer one: please answer the latest quote.")


@_to_customer
def receipt(service: str, amount, pro, day, language: str) -> str:
    """A short receipt: what was done, for how much, by whom and when."""
    lines = [_("🧾 Receipt")]
    if service:
        lines.append(_("Service: %(service)s") % {"service": service})
    lines += [
        _("Price: %(price)s") % {"price": shekels(amount)},
        _("Pro: %(pro)s") % {"pro": pro.name},
        _("Date: %(date)s") % {"date": f"{day:%d/%m/%Y}"},
    ]
    return "\n".join(lines)


@_to_customer
def rating_prompt(language: str) -> str:
    return _("How was it? Reply with a number from 1 (poor) to 5 (excellent).")
