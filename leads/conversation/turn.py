"""A turn: the messages of one chat read together, and what Fixi knows around them.

The customer's words are kept as message rows (messaging.InboundMessage, marked with the
lead's topic), never appended into one text: a lead's description and files are derived
from those rows, so nothing a customer wrote is lost when two things happen at once. The
dispatcher reads the turn's own words with a bounded window of the earlier ones as
context, so a long history never deafens it.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from ai import dispatcher
from ai.types import Dispatch
from fixi import claims
from fixi.vocabulary import language_of
from leads.conversation.outcomes import Action, lead_topic
from leads.models import OPEN_STATUSES, Actor, Customer, Lead, LeadEvent, LeadStatus
from messaging import greenapi, outbox, turns
from messaging.media import MediaRejected, store_inbound_media
from messaging.models import InboundMessage, MessageKind, Subtype

log = logging.getLogger(__name__)

WORD_KINDS = {
    MessageKind.TEXT,
    MessageKind.IMAGE,
    MessageKind.VIDEO,
    MessageKind.AUDIO,
    MessageKind.DOCUMENT,
    MessageKind.LOCATION,
}
MEDIA_KINDS = {MessageKind.IMAGE, MessageKind.VIDEO, MessageKind.AUDIO, MessageKind.DOCUMENT}
AI_MEDIA_KINDS = {MessageKind.IMAGE, MessageKind.VIDEO, MessageKind.AUDIO}
WINDOW_CHARS = 4000  # the earlier words the dispatcher and the lead's description keep
WINDOW_MESSAGES = 100
LONG_MESSAGE_CHARS = 3000  # a longer message is kept as its beginning and its end
OPEN_ATTEMPTS = 5


@dataclass
class Turn:
    chat_id: str
    customer: Customer
    messages: list[InboundMessage]
    now: dt.datetime
    language: str
    lead: Lead | None = None
    created: bool = False  # the lead was opened by this turn
    reading: Dispatch | None = None
    changes: dict = field(default_factory=dict)  # what the reading changed on the lead
    replies: list[str] = field(default_factory=list)  # said before the handler's own answer
    attached: bool = False
    lead_read: bool = False  # the customer's leads were read in this turn
    last_sequence: int = 0  # the customer's latest lead number at that read
    window: list[InboundMessage] | None = None  # the conversation as last derived
    # Lead fields and audit events worked out in this turn and not written yet: they go
    # with the lead's next write in the turn (a transition), else when the turn ends.
    unwritten: dict = field(default_factory=dict)
    unsaved_events: list[LeadEvent] = field(default_factory=list)
    # Every message was on the lead already: a worker died while handling this turn, and
    # the broker gave it to this one. What was done stays done; nothing is told twice.
    replayed: bool = False

    @property
    def words(self) -> list[InboundMessage]:
        """The messages that carry the customer's own words or files."""
        return [
            m
            for m in self.messages
            if m.kind in WORD_KINDS and m.subtype in (Subtype.NONE, Subtype.EDIT)
        ]

    @property
    def text(self) -> str:
        return "\n".join(clipped(m.text) for m in self.words if m.text)

    @property
    def only_edits(self) -> bool:
        return all(m.subtype == Subtype.EDIT for m in self.messages)

    @property
    def last(self) -> InboundMessage:
        return self.messages[-1]

    def say(self, text: str) -> None:
        if text:
            self.replies.append(text)

    def take_replies(self) -> list[str]:
        said, self.replies = self.replies, []
        return said

    def take_unwritten(self) -> dict:
        fields, self.unwritten = self.unwritten, {}
        return fields

    def take_events(self) -> list[LeadEvent]:
        events, self.unsaved_events = self.unsaved_events, []
        return events

    def send(self, text: str = "") -> None:
        """One message to the customer: what was collected, then `text`."""
        parts = [*self.take_replies(), text]
        body = "\n\n".join(part for part in parts if part)
        if body:
            topic = lead_topic(self.lead.pk) if self.lead else ""
            outbox.queue_text(self.chat_id, body, topic=topic)


def clipped(text: str) -> str:
    """A very long message read as its beginning and its end, so reading stays cheap."""
    if len(text) <= LONG_MESSAGE_CHARS:
        return text
    half = LONG_MESSAGE_CHARS // 2
    return f"{text[:half]}\n…\n{text[-half:]}"


def begin(
    chat_id: str,
    customer: Customer,
    messages: list[InboundMessage],
    now,
    new_customer: bool = False,
) -> Turn:
    """The turn, in the language its words are written in. The customer's language follows
    what they write, so a turn with no letters ("2", "5", "👍") is answered in the language
    they wrote last. A customer created by this turn has no lead to look for."""
    text = "\n".join(m.text for m in messages if m.text)[-LONG_MESSAGE_CHARS:]
    written = language_of(text)
    if written and written != customer.language:
        Customer.objects.filter(pk=customer.pk).update(language=written)
        customer.language = written
    language = written or customer.language
    return Turn(chat_id, customer, messages, now, language, lead_read=new_customer)


def current_lead(turn: Turn) -> Lead | None:
    """The customer's open lead, without opening one (read once a turn)."""
    if not turn.lead_read:
        turn.lead, turn.last_sequence = _open_and_last(turn.customer)
        turn.lead_read = True
    return turn.lead


def _open_and_last(customer: Customer) -> tuple[Lead | None, int]:
    """The customer's open lead and the number of its latest lead, by one read: a lead is
    opened only while none is open, and a closed lead never opens again, so an open lead
    is the latest one. (Leads made otherwise, by hand, may break that: then the open
    one is looked for among the older.)"""
    leads = customer.leads.select_related("city", "pro").order_by("-sequence")
    latest = leads.first()
    if latest is None:
        return None, 0
    if latest.is_open:
        return latest, latest.sequence
    return leads.filter(status__in=OPEN_STATUSES).first(), latest.sequence


def open_lead(turn: Turn) -> Lead:
    if current_lead(turn) is None:
        turn.lead, turn.created = open_lead_for(
            turn.customer, turn.language, turn.last_sequence, events=turn.unsaved_events
        )
    attach(turn)
    return turn.lead


def open_lead_for(
    customer: Customer,
    language: str,
    last_sequence: int | None = None,
    events: list[LeadEvent] | None = None,
) -> tuple[Lead, bool]:
    """The customer's one open lead, or a new one when none is open.

    Opening is a claim: a lead takes the customer's next number, unique per customer, so of
    two workers opening at once one creates it and the other finds it (on both databases).
    Numbers are taken in order with none skipped, so a lead opened after the read that
    found none open (and `last_sequence` the latest) took the number this worker takes,
    and the insert fails: the caller's own read, when it has one, is as good as a new one.
    The "created" event is written at once, or added to `events` for the caller to write
    with its next one.
    """
    for _attempt in range(OPEN_ATTEMPTS):
        if last_sequence is None:
            lead, last_sequence = _open_and_last(customer)
            if lead is not None:
                return lead, False
        lead = claims.insert(Lead, customer=customer, language=language, sequence=last_sequence + 1)
        if lead is None:
            last_sequence = None  # another worker opened one a moment ago: take theirs
            continue
        created = LeadEvent(
            lead=lead,
            actor=Actor.CUSTOMER,
            actor_name=customer.name,
            action=Action.CREATED,
            to_status=LeadStatus.NEW,
            reason="first message from the customer",
        )
        if events is None:
            created.save()
        else:
            events.append(created)
        return lead, True
    raise RuntimeError(f"customer {customer.pk}: leads kept changing while one was opened")


def attach(turn: Turn) -> None:
    """The turn's messages become part of the lead's conversation, and its record."""
    if turn.attached:
        return
    turn.attached = True
    if turns.attach(turn.messages, lead_topic(turn.lead.pk)):
        refresh_record(turn)
    else:
        turn.replayed = True


def conversation(lead: Lead, chars: int = WINDOW_CHARS) -> list[InboundMessage]:
    """The lead's latest messages with words, oldest first, within `chars` characters."""
    rows = (
        InboundMessage.objects.filter(topic=lead_topic(lead.pk), kind__in=WORD_KINDS)
        .exclude(subtype=Subtype.EDIT)  # an edit lives on in the message it changed
        .order_by("-sent_at", "-created_at")
        .only("text", "kind", "stored_media", "sent_at", "created_at")
    )
    return _window(rows[:WINDOW_MESSAGES], chars)


def _window(newest_first, chars: int = WINDOW_CHARS) -> list[InboundMessage]:
    window, used = [], 0
    for row in newest_first:
        window.append(row)
        used += len(clipped(row.text))
        if used >= chars:
            break
    return window[::-1]


def _newest_first(message: InboundMessage) -> tuple:
    # conversation()'s order: the provider's time, newest first, messages without one
    # after them (a database sorts NULL below any time), ties by arrival.
    return (message.sent_at is not None, message.sent_at or message.created_at, message.created_at)


def refresh_record(turn: Turn) -> None:
    """The lead's description and files, derived from its messages (written with the
    lead's next write in the turn). The files are read again only when the turn brings
    some: the lead's list is current otherwise. A lead this turn opened holds this turn's
    messages only, so its record is derived from them without a read."""
    lead = turn.lead
    if turn.created:
        words = [m for m in turn.messages if m.kind in WORD_KINDS and m.subtype != Subtype.EDIT]
        turn.window = _window(sorted(words, key=_newest_first, reverse=True))
    else:
        turn.window = conversation(lead)
    description = "\n".join(clipped(row.text) for row in turn.window if row.text)
    media = lead.media
    if turn.created:
        arrived = sorted(turn.messages, key=lambda m: m.created_at)
        media = [m.stored_media for m in arrived if m.stored_media]
    elif any(m.kind in MEDIA_KINDS for m in turn.messages):
        files = InboundMessage.objects.filter(topic=lead_topic(lead.pk)).exclude(stored_media={})
        media = [row.stored_media for row in files.order_by("created_at").only("stored_media")]
    record = {"description": description, "media": media, "last_customer_message_at": turn.now}
    for name, value in record.items():
        setattr(lead, name, value)
    turn.unwritten.update(record)


def finish(turn: Turn) -> None:
    """Write what the turn worked out and has not written yet."""
    fields, events = turn.take_unwritten(), turn.take_events()
    if fields and turn.lead is not None:
        Lead.objects.filter(pk=turn.lead.pk).update(**fields)
    if events:
        LeadEvent.objects.bulk_create(events)


def read(turn: Turn) -> Dispatch:
    """The dispatcher's reading of the turn (once): its words and files, with the earlier
    conversation as context. A turn with no lead yet has no earlier conversation: it is
    read before its lead is opened, so the lead's first write carries what it says."""
    if turn.reading is None:
        media = [item for m in turn.words if (item := _media_for_ai(m))]
        if turn.lead is not None and (
            turn.window is None or any(m.kind in MEDIA_KINDS for m in turn.words)
        ):
            refresh_record(turn)  # now with the files just kept
        words = {w.pk for w in turn.words}
        earlier = [m for m in turn.window or () if m.pk not in words]
        context = "\n".join(clipped(m.text) for m in earlier if m.text)
        turn.reading = dispatcher.dispatch(turn.text, media=media, now=turn.now, context=context)
    return turn.reading


def _media_for_ai(message: InboundMessage) -> tuple[bytes, str] | None:
    if message.kind not in MEDIA_KINDS:
        return None
    try:
        stored = store_inbound_media(message)
    except MediaRejected as error:
        log.warning("media of %s not kept: %s", message.pk, error)
        return None
    except greenapi.GreenApiError as error:
        if error.retryable:
            raise  # the turn is given back and read again later
        log.warning("media of %s not fetched: %s", message.pk, error.reason)
        return None
    InboundMessage.objects.filter(pk=message.pk).update(stored_media=stored.as_dict())
    message.stored_media = stored.as_dict()
    return (stored.content, stored.mime_type) if stored.kind in AI_MEDIA_KINDS else None
