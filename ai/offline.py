"""The offline dispatcher: rules over Hebrew, English, Arabic and Russian text, no network.

It reads what Gemini would (city, trade, urgency, language, when, where, who) so the whole
flow works with no API key, and it is the fallback when Gemini fails. The rule families
and the decisions they document live in their own modules:

- ai.gazetteer: the city (Hebrew prefixes, abbreviations, English spellings, Arabic
  prefixes and article, Russian case endings);
- ai.offline_issue (and ai.offline_issue_words for Arabic and Russian): the trade, with the
  confusable cases decided explicitly;
- ai.offline_urgency: urgent or not, and why;
- ai.offline_when (and ai.offline_when_ar_ru): the requested date, time and part of the day;
- ai.offline_details: the address, the customer's name and the summary;
- ai.summary_he: the pro's one-line Hebrew summary.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from ai.gazetteer import find_city
from ai.offline_details import find_address, find_name, summarise
from ai.offline_intent import intent_of
from ai.offline_issue import classify
from ai.offline_urgency import urgency
from ai.offline_when import DEFAULT_HOURS, read_when
from ai.summary_he import hebrew_summary
from ai.types import Dispatch
from fixi.texts import safety_tip
from fixi.vocabulary import Language, language_of

SOURCE = "offline"


def dispatch(text: str, now: dt.datetime | None = None) -> Dispatch:
    """Read one customer message. `now` (aware; default: the current time) anchors
    "tomorrow" and weekdays, in settings.TIME_ZONE."""
    text = text or ""
    zone = ZoneInfo(settings.TIME_ZONE)
    now = now or timezone.now()
    local = timezone.make_aware(now, zone) if timezone.is_naive(now) else now.astimezone(zone)
    language = language_of(text) or Language.HEBREW
    result = Dispatch(language=language, summary=summarise(text), source=SOURCE)

    if match := find_city(text):
        result.city = match.city.slug
        result.city_name = match.city.name_in(language)

    issue = classify(text)
    result.issue_type = issue.issue_type
    if issue.rule:
        result.notes.append(f"issue rule: {issue.rule}")

    result.urgent, result.urgency_reason = urgency(text)
    result.safety_tip = safety_tip(result.urgency_reason, language)

    when = read_when(text, local.date(), local.time().replace(tzinfo=None))
    result.requested_date = when.date
    result.time_of_day = when.time_of_day
    result.when_problem = when.problem
    result.day_inferred = when.day_inferred
    if when.date and when.time:
        result.requested_time = dt.datetime.combine(when.date, when.time, tzinfo=zone)

    result.intent = intent_of(text)
    result.address = find_address(text)
    result.customer_name = find_name(text)
    result.summary_he = hebrew_summary(result, text, local.date())
    return result


def preferred_start(reading: Dispatch) -> dt.datetime | None:
    """The start to aim a booking at: the requested time, or the requested date at the
    default hour of the part of the day asked for (morning 09:00, afternoon 13:00,
    evening 17:00). None without a date or without either."""
    if reading.requested_time:
        return reading.requested_time
    if reading.requested_date and reading.time_of_day:
        hour = dt.time(DEFAULT_HOURS[reading.time_of_day])
        return dt.datetime.combine(
            reading.requested_date, hour, tzinfo=ZoneInfo(settings.TIME_ZONE)
        )
    return None
