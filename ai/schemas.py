"""The shapes Gemini must answer in (structured output), checked again on our side.

The model sees these classes as its response schema; `ai.gemini` validates every answer
against them before anyone reads it, so a field here is a promise the rest of the code
can rely on. Formats (dates, times) are checked by validators rather than schema
patterns: the schema stays in the subset every Gemini model accepts, and a wrong format
is still a validation error (the next model in the chain is asked).
"""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator

# Spelled out rather than built from fixi.vocabulary, so a reader sees what the model
# sees; tests/ai/test_dispatcher.py checks they match IssueType and URGENCY_REASONS.
IssueTypeKey = Literal[
    "plumbing", "electrical", "hvac", "appliances", "locksmith", "handyman", "sealing", "other"
]
# "none" rather than an empty string: not every schema checker takes "" as an enum value.
UrgencyReason = Literal[
    "none", "flooding", "no_power", "locked_out", "gas_smell", "sparks", "other"
]
TimeOfDay = Literal["none", "morning", "afternoon", "evening"]
Intent = Literal["question", "booking", "reschedule", "cancel", "other"]
INTENTS: tuple[str, ...] = Intent.__args__
# What a customer's turn is for (ai.types.Intent; tests/ai/test_dispatcher.py checks they match).
TurnIntent = Literal[
    "describe", "price", "eta", "earlier", "later", "other_day", "thanks", "human", "question"
]


class DispatchSchema(BaseModel):
    """What the dispatcher model extracts from one customer message (text, photo, voice)."""

    city: str = Field(
        default="",
        description="The city or town as the customer wrote it (any language), or empty.",
    )
    issue_type: IssueTypeKey = Field(description="The trade the job needs; 'other' if none.")
    urgent: bool = Field(description="True only for emergencies that cannot wait.")
    urgency_reason: UrgencyReason = Field(
        default="none", description="Why it is urgent; 'none' when not urgent."
    )
    language: Literal["he", "en", "ar", "ru"] = Field(
        description="The language the customer wrote in."
    )
    summary: str = Field(
        default="",
        description="One short sentence describing the job, in Hebrew whatever the customer's "
        "language.",
    )
    address: str = Field(default="", description="Street address if given, else empty.")
    requested_date: str = Field(
        default="", description="Requested date as YYYY-MM-DD, or empty when none."
    )
    requested_time: str = Field(
        default="", description="Requested time as HH:MM (24 h), or empty when none."
    )
    time_of_day: TimeOfDay = Field(
        default="none", description="Part of the day when only that was given, else 'none'."
    )
    customer_name: str = Field(default="", description="The customer's name if given.")
    intent: TurnIntent = Field(
        default="describe",
        description=(
            "What the latest message is for: describe (details of the job), price (asks what "
            "it costs), eta (when is the professional coming / on the way), earlier, later or "
            "other_day (wants the visit moved), thanks (thanks, ok, small talk), human (asks "
            "for a person), question (any other question)."
        ),
    )
    transcript: str = Field(
        default="",
        description="For a voice note: the words spoken, verbatim, in the spoken language.",
    )

    @field_validator("urgency_reason", "time_of_day", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return "none" if value in ("", None) else value

    @field_validator("requested_date")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        value = value.strip()
        if value:
            dt.date.fromisoformat(value)  # ValueError becomes a ValidationError
            if len(value) != 10:
                raise ValueError("requested_date must be YYYY-MM-DD")
        return value

    @field_validator("requested_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        value = value.strip()
        if value:
            hours, sep, minutes = value.partition(":")
            if not (sep and len(minutes) == 2 and hours.isdigit() and minutes.isdigit()):
                raise ValueError("requested_time must be HH:MM")
            dt.time(int(hours), int(minutes))
        return value


class PersonaReplySchema(BaseModel):
    """The persona model's answer. Prices are never in the text: items are named by id."""

    reply_text: str = Field(
        description="The message to the customer, in the customer's language, with no prices."
    )
    intent: Intent = Field(description="What the customer wants.")
    price_item_ids: list[str] = Field(
        default_factory=list,
        description="Ids of the price items relevant to the customer (from the price list).",
    )

    @field_validator("intent", mode="before")
    @classmethod
    def _known_intent(cls, value: object) -> str:
        return value if value in INTENTS else "other"

    @field_validator("price_item_ids", mode="before")
    @classmethod
    def _id_strings(cls, value: object) -> list[str]:
        if not isinstance(value, list):
            return []
        return [item for item in value if isinstance(item, str)]
