"""The turn's handlers, in the order they are asked. The first that owns the turn answers
it and returns an Outcome; one that does not returns None and the next is asked.

    held_back      a flood: nothing is answered until the burst ends, then all is read
    notifications  calls, reactions, edits and contact cards
    manager        a manager has taken the conversation over: keep, do not answer
    cancel         "ביטול" / "cancel"
    rating         1–5 after a finished job
    booking_answer an answer to a reminder, or a pick among times offered to move a booking
    slot_choice    a pick among the times offered for a new booking
    quote_answer   approve or decline a pro's quote
    question       price, "when is he coming", earlier/later, thanks, a person, anything else
    detail_change  a changed address, time or detail once a pro has the job
    describe       the job's details: ask for what is missing, route when complete

Each handler is small and reads the turn; the wording is in fixi.texts.
"""

import dataclasses
import datetime as dt
import logging

from django.utils import timezone

from ai import gemini
from ai.offline_intent import is_thanks
from ai.persona import persona_reply
from ai.types import Intent
from fixi import texts
from fixi.models import BusinessSettings
from leads import assignment, customer_actions, lifecycle, understanding
from leads.conversation import corrections
from leads.conversation.outcomes import CALL_TOPIC, FLOOD_TOPIC, Action, Outcome, lead_topic
from leads.conversation.turn import Turn, current_lead, finish, open_lead, read
from leads.models import Actor, Lead, LeadStatus, QuoteStatus
from leads.pro_office import prices
from messaging import notifications, outbox, turns
from messaging.models import OutboundMessage, Subtype
from pros import routing
from scheduling import booking

log = logging.getLogger(__name__)

FLOOD_QUIET = dt.timedelta(seconds=15)  # a flood ends when the chat is this quiet
HOLDING_SLOT = (LeadStatus.AWAITING_PRO, LeadStatus.BOOKED)


# --- before anything is read --------------------------------------------------------------


def held_back(turn: Turn) -> Outcome | None:
    """Over the flood limit and still writing: one notice, and the messages wait to be read
    together once the burst ends."""
    limit = BusinessSettings.load().flood_limit_per_minute
    if turns.flood_count(turn.chat_id, turn.now) <= limit:
        return None
    latest = max(m.created_at for m in turn.messages)
    if turn.now - latest >= FLOOD_QUIET:
        return None  # the burst is over: read everything now
    noticed = OutboundMessage.objects.filter(
        chat_id=turn.chat_id, topic=FLOOD_TOPIC, created_at__gt=turn.now - turns.FLOOD_WINDOW
    )
    if not noticed.exists():  # only the chat's holder gets here, so one notice a burst
        outbox.queue_text(turn.chat_id, texts.flood_notice(turn.language), topic=FLOOD_TOPIC)
    return Outcome.HELD_BACK


def notifications_only(turn: Turn) -> Outcome | None:
    """Calls, reactions and contact cards are answered or kept here; edits change the
    message they edit and are then read like any words (by the handlers below)."""
    outcome = None
    for message in turn.messages:
        if message.subtype == Subtype.CALL:
            outcome = _call(turn)
        elif message.subtype == Subtype.REACTION:
            outcome = _reaction(turn, message) or outcome
        elif message.subtype == Subtype.CONTACT:
            outcome = outcome or Outcome.CONTACT
        elif message.subtype == Subtype.EDIT:
            _edit(turn, message)
    if turn.words or [m for m in turn.messages if not m.subtype]:
        return None  # words and button answers are read by the handlers below
    if current_lead(turn) is not None:
        open_lead(turn)  # keeps the call, reaction or card in the lead's conversation
    return outcome or Outcome.REACTION


def _call(turn: Turn) -> Outcome:
    lead = current_lead(turn)
    if lead is not None:
        lifecycle.note(lead.pk, actor=Actor.CUSTOMER, action=Action.CALLED)
    recent = OutboundMessage.objects.filter(
        chat_id=turn.chat_id, topic=CALL_TOPIC, created_at__gt=turn.now - dt.timedelta(minutes=10)
    )
    if not recent.exists():  # a customer who rings three times gets one answer
        outbox.queue_text(turn.chat_id, texts.call_answer(turn.language), topic=CALL_TOPIC)
    return Outcome.CALL


def _reaction(turn: Turn, message) -> Outcome | None:
    """👍 to a reminder confirms the visit; any other reaction is kept on its message."""

    target = notifications.record_reaction(message)
    if not isinstance(target, OutboundMessage) or not notifications.is_confirmation(message.text):
        return None
    lead = current_lead(turn)
    if lead is None or target.topic != assignment.reminder_topic(lead.pk):
        return None
    if lead.status != LeadStatus.BOOKED:
        return None
    return Outcome(
        customer_actions.act_on_booking(lead, turn.customer, turn.language, ("confirm", ""))
    )


def _edit(turn: Turn, message) -> None:

    original = notifications.apply_edit(message)
    lead = current_lead(turn)
    if original is not None and lead is not None:
        lifecycle.note(
            lead.pk,
            actor=Actor.CUSTOMER,
            action=Action.EDITED,
            reason="the customer edited a message",
            data={"message": str(original.pk)},
        )


def manager(turn: Turn) -> Outcome | None:
    lead = current_lead(turn)
    if lead is None or not lead.bot_paused:
        return None
    open_lead(turn)
    lifecycle.note(lead.pk, actor=Actor.CUSTOMER, action=Action.MESSAGE_WHILE_PAUSED)
    return Outcome.PAUSED


# --- answers by a word, a number or a button -------------------------------------------------


def cancel(turn: Turn) -> Outcome | None:
    if not any(customer_actions.is_cancel(m.text) for m in turn.messages):
        return None
    if current_lead(turn) is not None:
        open_lead(turn)
    return Outcome(customer_actions.cancel(turn.customer, turn.language))


def rating(turn: Turn) -> Outcome | None:
    stars = customer_actions.rating_in(turn.last.text)
    if not stars or not customer_actions.record_rating(turn.customer, stars, turn.language):
        return None
    return Outcome.RATED


def booking_answer(turn: Turn) -> Outcome | None:
    lead = current_lead(turn)
    if lead is None:
        return None
    answer = customer_actions.booking_answer(lead, turn.last)
    if answer is None:
        return None
    open_lead(turn)
    return Outcome(customer_actions.act_on_booking(lead, turn.customer, turn.language, answer))


def slot_choice(turn: Turn) -> Outcome | None:
    lead = current_lead(turn)
    slot_id = customer_actions.chosen_slot(lead, turn.last) if lead else None
    if slot_id is None:
        return None
    open_lead(turn)
    outcome = assignment.choose_slot(lead, slot_id)
    if outcome.outcome != assignment.ASKED_PRO:
        turn.say(texts.slot_gone(turn.language))
    assignment.tell_customer(lead, outcome, turn.take_replies())
    return Outcome.SLOT_CHOSEN if outcome.outcome == assignment.ASKED_PRO else Outcome.SLOT_GONE


def quote_answer(turn: Turn) -> Outcome | None:
    lead = current_lead(turn)
    message = turn.last
    # Only a quote waiting for its answer is answered by a typed word; a press or a reply
    # to the quote's message answers it later too (prices.quote_choice).
    maybe = lead is not None and (
        lead.quote_status == QuoteStatus.SENT or message.button_id or message.quoted_message_id
    )
    answer = prices.quote_choice(lead, message) if maybe else None
    if answer is None:
        return None
    open_lead(turn)
    return Outcome(prices.answer_quote(lead, turn.customer, answer, turn.language, turn.now))


# --- words: read by the dispatcher ------------------------------------------------------------


def question(turn: Turn) -> Outcome | None:
    """Questions answered as a person would; a turn that also brings details is answered
    first and then handled by the handlers below (one reply)."""
    if current_lead(turn) is None:
        if is_thanks(turn.text):
            turn.send(texts.thanks_reply(turn.language))  # "thanks!" after a job opens nothing
            return Outcome.ANSWERED
        read(turn)  # nothing earlier to read it with: read before the lead is opened
    lead = open_lead(turn)
    reading = read(turn)
    intent = reading.intent
    if intent == Intent.PRICE:
        turn.say(_voiced(turn, _price_answer(lead, reading), keep="₪"))
    elif intent == Intent.ETA and lead.pro_id and lead.status in HOLDING_SLOT:
        start = assignment.slot_start(lead)
        answer = texts.eta(lead, start, lead.language)
        turn.say(_voiced(turn, answer, keep=timezone.localtime(start).strftime("%H:%M")))
    elif intent in (Intent.EARLIER, Intent.LATER, Intent.OTHER_DAY) and _holds_slot(lead):
        if not _new_time(turn):
            return _offer_moves(turn, intent)
    elif intent == Intent.THANKS:
        turn.say(texts.thanks_reply(lead.language))
    elif intent == Intent.HUMAN or (intent == Intent.QUESTION and lead.pro_id):
        if not _brings_details(turn):
            return _for_manager(turn, "the customer asked for a person" if intent == Intent.HUMAN
                                else "a question the bot cannot answer")  # fmt: skip
    else:
        return None
    still_gathering = lead.pro_id is None and understanding.missing_fields(lead)
    if _brings_details(turn) or still_gathering:
        return None  # answered first, then the details (one reply)
    turn.send()
    return Outcome.ANSWERED


def _voiced(turn: Turn, facts: str, keep: str) -> str:
    """The answer in the assigned pro's own voice when Gemini writes it. The facts (the
    time, prices from the database) are the template's: they are added under the pro's
    words unless those already carry them (`keep`: the time, or prices the persona reply
    took from the price list)."""
    lead = turn.lead
    if lead.pro_id is None or not gemini.is_configured():
        return facts
    context = {"job_status": lead.status, "what_to_tell_the_customer": facts}
    reply = persona_reply(lead.pro, turn.text, lead.language, context)
    if not reply.source.startswith("gemini"):
        return facts
    if keep in reply.text:
        return reply.text
    return f"{reply.text}\n\n{facts}"


def _holds_slot(lead: Lead) -> bool:
    return lead.pro_id is not None and lead.status in HOLDING_SLOT


def _new_time(turn: Turn):
    reading = read(turn)
    booked = turn.lead.appointment_time
    if reading.day_inferred and booked is not None and reading.requested_date is not None:
        # "can we do 4pm instead": the hour changes, the booked day stays.
        day = timezone.localtime(booked).date()
        reading = dataclasses.replace(
            reading,
            requested_date=day,
            requested_time=(
                reading.requested_time.replace(year=day.year, month=day.month, day=day.day)
                if reading.requested_time
                else None
            ),
        )
    start = understanding.preferred_start(reading)
    return start if start is not None and start != booked else None


def _brings_details(turn: Turn) -> bool:
    """Whether the turn tells us something new about the job (not only a question)."""
    reading = read(turn)
    lead = turn.lead
    return bool(
        (reading.city and (lead.city is None or reading.city != lead.city.slug))
        or (reading.address and reading.address != lead.full_address)
        or _new_time(turn)
        or (reading.issue_type not in ("", "other") and reading.issue_type != lead.issue_type)
        or any(m.kind in ("image", "video", "audio", "document") for m in turn.words)
        or corrections.house_number(turn.text, lead.full_address)
    )


def _price_answer(lead: Lead, reading) -> str:
    pro = lead.pro or _likely_pro(lead, reading)
    if pro is None or not pro.price_items.exists():
        return texts.price_unknown(lead.language)
    return texts.price_answer(pro, likely=lead.pro_id is None, language=lead.language)


def _likely_pro(lead: Lead, reading):
    """Who routing would pick now (with what this turn says), without claiming anything;
    None before the city and the trade are known."""
    city = understanding.city_row(reading.city) or lead.city
    trade = reading.issue_type if reading.issue_type not in ("", "other") else lead.issue_type
    if city is None or trade in ("", "other"):
        return None
    excluded = assignment.excluded_pro_ids(lead.pk)
    return routing.eligible_pros(city.pk, trade, excluded).first()


def _offer_moves(turn: Turn, intent: str) -> Outcome:
    lead = turn.lead
    current = assignment.slot_start(lead)
    slots = booking.free_slots_toward(lead.pro_id, current, intent, now=turn.now)
    if not slots:
        turn.send(texts.no_move_times(lead.pro, intent, lead.language))
        return Outcome.ANSWERED
    body = "\n\n".join([*turn.take_replies(), texts.move_offer(lead.pro, intent, lead.language)])
    assignment.offer_times(lead, body, slots, assignment.reschedule_topic(lead.pk), lead.language)
    return Outcome.TIMES_OFFERED


def _for_manager(turn: Turn, why: str) -> Outcome:
    lead = turn.lead
    flagged = Lead.objects.filter(pk=lead.pk, needs_manager_at__isnull=True).update(
        needs_manager_at=turn.now
    )
    if flagged:
        lifecycle.note(lead.pk, actor=Actor.BOT, action=Action.NEEDS_MANAGER, reason=why)
    turn.send(texts.person_will_answer(lead.language))
    return Outcome.FOR_MANAGER


def detail_change(turn: Turn) -> Outcome | None:
    """Once a pro has the job: a new address, time or detail updates the lead, the pro is
    told in one short message and the customer is answered."""
    lead = turn.lead
    if not _holds_slot(lead) or turn.replayed:
        return None
    reading = read(turn)
    new_start = _new_time(turn)
    fixed = corrections.house_number(turn.text, lead.full_address)
    if fixed:  # "12, not 10" is the house number, whatever else looks like an address
        reading = dataclasses.replace(reading, address=fixed)
    changes = _differences(lead, understanding.changes_for(lead, reading, keep_time=True))
    understanding.apply_reading(lead, reading, changes=changes, also=turn.take_unwritten())
    told = []
    if "full_address" in changes or "city" in changes:
        told.append(texts.pro_address_changed(lead))
        turn.say(texts.address_updated(lead, lead.language))
    if turn.only_edits and not changes and not new_start:
        return Outcome.EDITED  # a typo fixed: nothing to tell anyone
    extra = [m for m in turn.words if m.text or m.stored_media]
    files = []
    if not changes and not new_start and extra and reading.intent != Intent.THANKS:
        files = texts.forwarded_files([m.stored_media for m in extra])
        told.append(texts.pro_customer_added(lead, turn.text, files))
        turn.say(texts.passed_to_pro(lead.pro, lead.language))
    if changes or told:
        lifecycle.note(
            lead.pk,
            actor=Actor.CUSTOMER,
            actor_name=turn.customer.name,
            action=Action.DETAIL_CHANGED,
            reason=", ".join(sorted(changes)) or "added a detail",
            data={key: str(value) for key, value in changes.items()},
        )
    for text in told:
        outbox.queue_text(lead.pro.chat_id, text, topic=lead_topic(lead.pk))
    if files:  # after the message that says they follow, each file once
        caption = texts.pro_file_caption(lead)
        outbox.queue_files(lead.pro.chat_id, files, caption, topic=lead_topic(lead.pk))
    if new_start:
        return _move_to(turn, new_start)
    turn.send()
    return Outcome.DETAIL_CHANGED


def _differences(lead: Lead, changes: dict) -> dict:
    """The changes that say something new (a reading repeats what the lead knows)."""
    return {key: value for key, value in changes.items() if getattr(lead, key) != value}


def _move_to(turn: Turn, start) -> Outcome:
    lead = turn.lead
    slot = booking.slot_at(lead.pro_id, start)
    moved = assignment.move_booking(lead, slot.pk, now=turn.now) if slot else None
    if moved is not None:
        turn.send(texts.rescheduled(lead.pro, moved.start, lead.language))
        return Outcome.DETAIL_CHANGED
    slots = booking.nearest_free_slots(lead.pro_id, start, now=turn.now)
    if not slots:
        turn.send(texts.no_other_times(lead.language))
        return Outcome.DETAIL_CHANGED
    turn.say(texts.not_free_then(lead.pro, start, lead.language))
    body = "\n\n".join(turn.take_replies())
    assignment.offer_times(lead, body, slots, assignment.reschedule_topic(lead.pk), lead.language)
    return Outcome.TIMES_OFFERED


def describe(turn: Turn) -> Outcome:
    """Gathering the job's details: one short question for what is missing, the safety tip
    first when it became urgent, and routing as soon as everything is known (an urgent job
    needs no time: the earliest free slot is taken)."""
    lead = turn.lead
    reading = read(turn)
    was_urgent = lead.urgent
    keep_time = _holds_slot(lead)
    changes = _differences(lead, understanding.changes_for(lead, reading, keep_time=keep_time))
    if turn.only_edits and not changes:
        return Outcome.EDITED  # a typo fixed: nothing new to answer
    # The reading and the record go with the move to contacted, when the lead moves.
    fields = {**turn.take_unwritten(), **changes}
    understanding.apply_reading(lead, reading, changes=changes, write=False)
    missing = understanding.missing_fields(lead)
    if lead.status == LeadStatus.NEW and lifecycle.transition(
        lead.pk,
        [LeadStatus.NEW],
        LeadStatus.CONTACTED,
        actor=Actor.BOT,
        action=Action.REPLIED,
        reason=f"asked for {missing[0]}" if missing else "all details received",
        data={"source": reading.source, "missing": missing},
        also=turn.take_events(),
        **fields,
    ):
        lead.status = LeadStatus.CONTACTED
    elif fields:
        Lead.objects.filter(pk=lead.pk).update(**fields)
    if turn.created:
        turn.replies.insert(0, texts.received(lead.language, turn.customer.first_name))
    if lead.urgent and not was_urgent:  # safety first, before anything else is said
        turn.replies.insert(0, texts.urgent_note(lead.urgency_reason, lead.language))
    if not missing and lead.pro_id is None and lead.status in assignment.ROUTABLE:
        return _route(turn)
    if lead.pro_id is not None and lead.status in assignment.ROUTABLE:
        # Choosing among offered times: a new time in words is tried at once; anything
        # else brings the offer back.
        outcome = assignment.rebook(lead)
        assignment.tell_customer(lead, outcome, turn.take_replies())
        return _routed(outcome)
    if missing:
        turn.send(_ask(reading, missing[0], lead.language))
        return Outcome.ASKED
    turn.send(_status(lead) if not turn.replies else "")
    return Outcome.STATUS


def _ask(reading, field: str, language: str) -> str:
    if field == "time" and reading.when_problem:
        return texts.ask_day_again(reading.when_problem, language)
    return texts.ask_for(field, language)


def _route(turn: Turn) -> Outcome:
    lead = turn.lead
    # A lead this turn opened has nobody excluded from it yet.
    excluded = [] if turn.created else None
    outcome = assignment.assign(
        lead.pk, actor=Actor.BOT, now=turn.now, lead=lead, excluded=excluded
    )
    if outcome.outcome == assignment.TAKEN:
        lead.refresh_from_db()  # someone else moved it: say where it stands now
        turn.send(_status(lead))
        return Outcome.STATUS
    if outcome.pro is not None:
        turn.say(_persona(outcome.pro, lead))
    assignment.tell_customer(lead, outcome, turn.take_replies())
    return _routed(outcome)


def _routed(outcome: assignment.Assignment) -> Outcome:
    if outcome.outcome == assignment.ASKED_PRO:
        return Outcome.ASKED_PRO
    if outcome.outcome == assignment.OFFERED_SLOTS and outcome.alternatives:
        return Outcome.OFFERED_SLOTS
    return Outcome.NO_PRO


def _persona(pro, lead: Lead) -> str:
    """The chosen pro's own words and prices, when Gemini writes them (the offline
    template would only repeat what the status line says)."""
    answer = persona_reply(pro, lead.description, lead.language)
    return answer.text if answer.source.startswith("gemini") else ""


def _status(lead: Lead) -> str:
    """Where the job stands, for a turn that asked nothing new."""
    language = lead.language
    if lead.status == LeadStatus.AWAITING_PRO and lead.pro_id:
        return texts.waiting_for_pro(lead.pro, language)
    if lead.status == LeadStatus.BOOKED and lead.pro_id:
        return texts.booked_status(lead.pro, assignment.slot_start(lead), language)
    if lead.status == LeadStatus.UNASSIGNED:
        return texts.no_pro_available(language)
    return texts.all_set(language)


HANDLERS = [
    held_back,
    notifications_only,
    manager,
    cancel,
    rating,
    booking_answer,
    slot_choice,
    quote_answer,
    question,
    detail_change,
    describe,
]


def handle(turn: Turn) -> Outcome:
    """The first handler's answer; what the turn worked out and has not written yet is
    written when it ends, however it ends."""
    try:
        outcome = _first_answer(turn)
    except Exception:
        try:
            finish(turn)
        except Exception:  # the turn's own error is the one to report
            log.exception("what the failed turn worked out was not written")
        raise
    finish(turn)
    return outcome


def _first_answer(turn: Turn) -> Outcome:
    for handler in HANDLERS:
        outcome = handler(turn)
        if outcome is not None:
            return outcome
    raise AssertionError("describe answers every turn")  # pragma: no cover
