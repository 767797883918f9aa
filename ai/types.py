"""What the dispatcher understands from a customer's message, whoever understood it."""

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from fixi.vocabulary import IssueType, Language

URGENCY_REASONS = ("flooding", "no_power", "locked_out", "gas_smell", "sparks", "other")


class Intent(StrEnum):
    """What a customer's turn is for (the dispatcher's `intent`)."""

    DESCRIBE = "describe"  # telling us about the job (the default)
    PRICE = "price"  # how much will it cost?
    ETA = "eta"  # when is the pro coming, are they on the way?
    EARLIER = "earlier"  # can the pro come earlier?
    LATER = "later"  # later?
    OTHER_DAY = "other_day"  # another day / reschedule
    THANKS = "thanks"  # thanks, ok, small talk
    HUMAN = "human"  # asks for a person
    QUESTION = "question"  # a question no rule answers


@dataclass
class Dispatch:
    """The dispatcher's reading of a message. Keys are the DESIGN.md contract.

    city: canonical city slug from the gazetteer (e.g. "tel-aviv"), or "" when unknown.
    issue_type: an IssueType key; "other" when no trade fits.
    requested_time: local (Asia/Jerusalem) aware datetime, or None; `time_of_day` is
    "morning" | "afternoon" | "evening" | "" when only a part of the day was given.
    when_problem: "" | "past" | "unreadable": the customer wrote a day that is already
    gone or cannot be read, so requested_date is None (never today) and the conversation
    asks which day.
    language: "he" | "en" | "ar" | "ru", the language the customer wrote in
    (fixi.vocabulary.language_of); city_name is the city's name in that language.
    summary: the customer's own words, shortened; summary_he: the pro's one-line Hebrew
    summary built from the reading ("אינסטלציה · נזילה · חיפה · דחוף · מחר 17:00",
    ai.summary_he), whatever language the customer wrote in.
    """

    city: str = ""
    city_name: str = ""
    issue_type: str = IssueType.OTHER
    urgent: bool = False
    urgency_reason: str = ""
    language: str = Language.HEBREW
    summary: str = ""
    summary_he: str = ""
    address: str = ""
    requested_date: dt.date | None = None
    requested_time: dt.datetime | None = None
    time_of_day: str = ""
    when_problem: str = ""  # "" | "past" | "unreadable"
    # Only an hour or a part of the day was written ("4pm instead"): the date is the next
    # one that fits, and a change to a booked job keeps the job's own day instead.
    day_inferred: bool = False
    customer_name: str = ""
    safety_tip: str = ""
    transcript: str = ""
    intent: str = Intent.DESCRIBE
    source: str = "offline"  # offline | gemini:<model>
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("requested_date", "requested_time"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data
