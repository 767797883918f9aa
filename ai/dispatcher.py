"""What a customer's message asks for: Gemini when it is configured, the offline rules else.

`dispatch` asks the Gemini model chain for a `DispatchSchema` (photos, videos and voice
notes go along as media parts), then checks every field again and turns it into a
`Dispatch`: the city through the gazetteer (so the slug is canonical), the date and time
in Israel's time zone, the safety tip for an urgent reason from fixi.texts (the same tips
the offline dispatcher gives). When Gemini is not configured, when no model answers, or when an
answer fails those checks, the offline dispatcher reads the message instead and `notes`
say why. For a voice note the model's transcript is kept, and it is what the offline
dispatcher reads if the answer is rejected.
"""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.utils import timezone

from ai import gemini, prompts
from ai.schemas import DispatchSchema
from ai.summary_he import hebrew_summary
from ai.types import URGENCY_REASONS, Dispatch, Intent
from fixi import texts
from fixi.vocabulary import IssueType, Language

logger = logging.getLogger(__name__)

LOCAL_TIME_ZONE = ZoneInfo("Asia/Jerusalem")
TIMES_OF_DAY = ("morning", "afternoon", "evening")
MAX_DAYS_AHEAD = 366
_LIMITS = {"summary": 300, "address": 200, "customer_name": 80, "transcript": 5000}


class InvalidField(ValueError):
    """A field of the model's answer that our checks refuse. The message may quote the
    model's value (which can echo the customer's words): it goes on the reading's notes,
    and only `field` goes to the logs."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def dispatch(
    text: str,
    media: list[tuple[bytes, str]] | None = None,
    now: dt.datetime | None = None,
    context: str = "",
) -> Dispatch:
    """The dispatcher's reading of a customer's turn; `media` is [(bytes, mime type)].

    `context` is the conversation's earlier words: Gemini reads them to understand the
    turn; the offline rules read the turn alone, so a corrected detail replaces the old
    one rather than the first mention winning."""
    media = list(media or [])
    if not gemini.is_configured():
        result = _offline(text, now)
        if media:
            result.notes.append("media not analysed: Gemini is not configured")
        return result
    local_now = _local(now)
    try:
        parts = [prompts.dispatcher_user_part(text, has_media=bool(media), context=context)]
        parts += [gemini.media_part(data, mime_type) for data, mime_type in media]
        answer = gemini.generate_structured(
            system=prompts.dispatcher_system(local_now), parts=parts, schema=DispatchSchema
        )
    except gemini.AiUnavailable as error:
        return _offline(text, now, note=f"Gemini unavailable, offline dispatcher used: {error}")
    transcript = _transcript(answer.parsed, media)
    try:
        return _from_answer(answer, text, transcript, local_now)
    except InvalidField as error:
        logger.warning("gemini dispatch from %s rejected: field %s", answer.model, error.field)
        result = _offline(
            "\n".join(part for part in (text, transcript) if part),
            now,
            note=f"Gemini answer from {answer.model} rejected ({error}), offline dispatcher used",
        )
        result.transcript = transcript
        return result


def _offline(text: str, now: dt.datetime | None, note: str = "") -> Dispatch:
    from ai import offline  # written alongside; imported late so this module loads alone

    result = offline.dispatch(text, now)
    if note:
        result.notes.append(note)
    return result


def _local(now: dt.datetime | None) -> dt.datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        return now.replace(tzinfo=LOCAL_TIME_ZONE)
    return now.astimezone(LOCAL_TIME_ZONE)


def _transcript(parsed: DispatchSchema, media: list[tuple[bytes, str]]) -> str:
    """The model's transcript, kept only when a voice note (audio) was sent."""
    if not any(mime_type.lower().startswith("audio/") for _, mime_type in media):
        return ""
    return parsed.transcript.strip()[: _LIMITS["transcript"]]


def _from_answer(
    answer: gemini.StructuredAnswer, text: str, transcript: str, now: dt.datetime
) -> Dispatch:
    data: DispatchSchema = answer.parsed
    issue_type = _one_of("issue_type", data.issue_type, IssueType.values)
    language = _one_of("language", data.language, Language.values)
    urgent = data.urgent is True
    reason = _optional_choice("urgency_reason", data.urgency_reason, URGENCY_REASONS)
    time_of_day = _optional_choice("time_of_day", data.time_of_day, TIMES_OF_DAY)
    intent = _one_of("intent", data.intent, [i.value for i in Intent])
    requested_date, requested_time, when_problem = _when(
        data.requested_date, data.requested_time, now
    )
    city, notes = _city(data.city, text or transcript)
    reading = Dispatch(
        city=city.slug if city else "",
        city_name=city.name_in(language) if city else "",
        issue_type=issue_type,
        urgent=urgent,
        urgency_reason=reason if urgent else "",
        safety_tip=_safety_tip(reason, language) if urgent else "",
        language=language,
        summary=_clipped(data.summary, "summary"),
        address=_clipped(data.address, "address"),
        requested_date=requested_date,
        requested_time=requested_time,
        time_of_day=time_of_day,
        when_problem=when_problem,
        customer_name=_clipped(data.customer_name, "customer_name"),
        intent=intent,
        transcript=transcript,
        source=f"gemini:{answer.model}",
        notes=notes,
    )
    reading.summary_he = hebrew_summary(reading, text or transcript, now.date())
    return reading


def _safety_tip(reason: str, language: str) -> str:
    return texts.safety_tip(reason, language)


def _one_of(name: str, value: str, allowed) -> str:
    if value not in allowed:
        raise InvalidField(f"{name} {value!r} is not one of {', '.join(allowed)}", name)
    return value


def _optional_choice(name: str, value: str, allowed) -> str:
    return "" if value in ("", "none") else _one_of(name, value, allowed)


def _clipped(value: str, name: str) -> str:
    return " ".join(value.split())[: _LIMITS[name]]


def _when(date_text: str, time_text: str, now: dt.datetime):
    """(date, aware local datetime, when_problem) from the model's YYYY-MM-DD and HH:MM.

    A time without a date is the next such time (today if still ahead, else tomorrow).
    A date before today is what the customer wrote (a day already gone): no date, and
    when_problem "past" so the conversation asks which day; the rest of the answer stands.
    A date more than a year ahead is refused: the model misread the year.
    """
    try:
        date = dt.date.fromisoformat(date_text) if date_text else None
        clock = dt.time.fromisoformat(time_text) if time_text else None
    except ValueError as error:
        raise InvalidField(f"requested date/time not parsed: {error}", "requested_time") from None
    if date is not None and date < now.date():
        return None, None, "past"
    if date is not None and (date - now.date()).days > MAX_DAYS_AHEAD:
        raise InvalidField(
            f"requested_date {date.isoformat()} is not within the coming year", "requested_date"
        )
    if clock is None:
        return date, None, ""
    if date is None:
        date = now.date() if clock > now.time() else now.date() + dt.timedelta(days=1)
    moment = dt.datetime.combine(date, clock, tzinfo=LOCAL_TIME_ZONE)
    # Through UTC and back: a wall time in the spring-forward gap becomes a real one.
    return date, moment.astimezone(dt.UTC).astimezone(LOCAL_TIME_ZONE), ""


def _city(model_city: str, text: str):
    """The gazetteer's city for the model's reading, else for the customer's own words."""
    from ai import gazetteer  # written alongside; imported late so this module loads alone

    name = model_city.strip()
    city = gazetteer.by_name(name) if name else None
    if city is None and name:
        match = gazetteer.find_city(name)  # "בחיפה", "Hiafa": prefixes and typos
        city = match.city if match else None
    if city is not None:
        return city, []
    match = gazetteer.find_city(text) if text else None
    city = match.city if match else None
    if name:
        found = "found in the message instead" if city else "and none in the message"
        return city, [f"the model's city is not in the gazetteer, {found}"]
    return city, []
