"""Working through a chat's waiting messages, one turn at a time (see messaging.turns).

process_inbound(message id)        ← the Celery task, once per stored message
  └ not quiet yet?   come back after the window (no worker waits)
  └ claim the chat   or return: its holder reads this message too
      loop: take the waiting messages as one turn → handle it → finish them
  └ release the chat, and look once more for messages that came meanwhile
"""

import logging

from django.utils import timezone

from fixi.models import BusinessSettings
from leads import pro_conversation
from leads.conversation import handlers
from leads.conversation import turn as turns_of_leads
from leads.conversation.outcomes import Outcome
from leads.customers import customer_of_chat
from messaging import greenapi, inbox, turns
from messaging.models import InboundMessage, MessageKind, ProcessingState, Subtype
from pros.models import Pro

log = logging.getLogger(__name__)

OPEN_STATES = (ProcessingState.PENDING, ProcessingState.PROCESSING)


def process_inbound(inbound_id, now=None) -> str:
    """Handle the chat of one stored message; returns what happened, for logs and tests.

    Safe to run any number of times, from any number of workers, for any message of the
    chat: every message is taken by exactly one turn."""
    message = (
        InboundMessage.objects.filter(pk=inbound_id)
        .only("chat_id", "state", "webhook_type")
        .first()
    )
    if message is None or message.state not in OPEN_STATES:
        return Outcome.SKIPPED
    if not message.chat_id or message.webhook_type not in turns.CONVERSATION_WEBHOOKS:
        return _ignore(inbound_id)
    chat_id = message.chat_id
    pro = Pro.objects.filter(chat_id=chat_id).first()
    window = 0.0 if pro else float(BusinessSettings.load().quiet_window_seconds)
    outcome = Outcome.SKIPPED
    while True:
        wait = turns.quiet_for(chat_id, window, now)
        if wait > 0:
            turns.defer(inbox.PROCESS_TASK, inbound_id, wait)
            return Outcome.WAITING if outcome == Outcome.SKIPPED else outcome
        holder = turns.claim_chat(chat_id, now)
        if holder is None:
            return Outcome.BUSY
        try:
            outcome = _work_through(chat_id, holder, pro, window, inbound_id, now) or outcome
        finally:
            turns.release_chat(chat_id, holder)
        if outcome in (Outcome.HELD_BACK, Outcome.RETRY):
            return outcome  # the task comes back later for what was given back
        # A message whose task found the chat taken is read now, by the one who had it.
        if not turns.has_waiting(chat_id):
            return outcome


def _ignore(inbound_id) -> str:
    if inbox.claim(inbound_id) is not None:
        inbox.finish(inbound_id, ProcessingState.IGNORED)
    return Outcome.IGNORED


def _work_through(chat_id, holder, pro, window, inbound_id, now) -> str | None:
    """Turns while messages wait and the chat is quiet; returns the last turn's outcome.

    The chat was found quiet just before it was claimed, and its lease is fresh, so the
    first turn neither looks again nor renews. A turn that took fewer messages than it
    could took every one that waited: what arrives later is found by the caller's look
    after the release (has_waiting), so no second look is made here."""
    outcome = None
    limit = 1 if pro else turns.MAX_TURN_MESSAGES  # a pro's answers count one by one
    first = True
    while True:
        if not first:
            wait = turns.quiet_for(chat_id, window, now)
            if wait > 0:
                turns.defer(inbox.PROCESS_TASK, inbound_id, wait)
                return outcome
        messages = turns.take_turn(chat_id, holder, limit=limit)
        if not messages:
            return outcome
        if not first:
            turns.renew_chat(chat_id, holder, now)
        first = False
        outcome = _one_turn(chat_id, holder, pro, messages, now or timezone.now())
        _log_turn(messages, outcome)
        if outcome in (Outcome.HELD_BACK, Outcome.RETRY):
            turns.defer(inbox.PROCESS_TASK, inbound_id, handlers.FLOOD_QUIET.total_seconds())
            return outcome
        if len(messages) < limit:
            return outcome


def _log_turn(messages, outcome) -> None:
    """One line per turn, with the Green API ids of its messages (`message_ids`) and the
    lead they went to (`topic`, as the replies' send lines carry it), so a message is
    followed from its webhook line to this one and on to the sends."""
    ids = [m.provider_message_id for m in messages]
    fields = {"message_ids": ids}
    topic = next((m.topic for m in reversed(messages) if m.topic), "")
    if topic:
        fields["topic"] = topic
    log.info(
        "chat turn of %d message(s) %s: %s",
        len(messages),
        " ".join(ids),
        outcome,
        extra=fields,
    )


def _one_turn(chat_id, holder, pro, messages, now) -> str:
    content = [m for m in messages if _is_conversation(m)]
    if len(content) < len(messages):
        turns.finish([m for m in messages if m not in content], holder, ProcessingState.IGNORED)
    if not content:
        return Outcome.IGNORED
    try:
        outcome = _answer(chat_id, pro, content, now)
    except greenapi.GreenApiError as error:
        if not error.retryable:
            turns.finish(content, holder, ProcessingState.FAILED, error.reason)
            raise
        turns.give_back(content, holder, error.reason)  # read again with the next turn
        return Outcome.RETRY
    except Exception as error:
        turns.finish(content, holder, ProcessingState.FAILED, f"{type(error).__name__}: {error}")
        raise
    if outcome == Outcome.HELD_BACK:
        turns.give_back(content, holder)
    else:
        turns.finish(content, holder)
    return outcome


def _is_conversation(message: InboundMessage) -> bool:
    """Words, files, places, button answers and the notifications a customer produces;
    stickers, polls and the like are kept but not answered."""
    return message.kind != MessageKind.OTHER or message.subtype != Subtype.NONE


def _answer(chat_id, pro, messages, now) -> str:
    if pro is not None:  # a pro's turn is one message: each answer counts on its own
        return pro_conversation.handle(messages[0], pro, now=now)
    customer, new = customer_of_chat(chat_id, messages[-1].sender_name)
    turn = turns_of_leads.begin(chat_id, customer, messages, now, new_customer=new)
    return handlers.handle(turn)
