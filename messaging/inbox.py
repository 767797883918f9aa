"""The inbound side of the channel: storing webhooks, and claiming them for processing
exactly once.

The webhook stores a delivery once (a unique key makes a resend a no-op) and hands it to
the workers after the row is committed, through the process's publisher thread
(messaging.publisher); rows that never reached the broker are enqueued by the recovery
sweep. A worker claims with a conditional update and only the caller whose update changed
a row goes on. A claim held by a process that no longer exists on this host (a worker
child killed mid-task) is taken over at once, so the broker's redelivery finishes the
work; a claim older than the task time limit is treated as abandoned wherever its holder
ran.
"""

import contextlib
import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.transaction import on_commit
from django.utils import timezone

from fixi import processes
from fixi.celery import app as celery_app
from messaging.models import InboundMessage, ProcessingState
from messaging.payloads import (
    CALL,
    INCOMING,
    MAX_STORED_DEPTH,
    STATE,
    STATUS,
    normalise,
    storable,
)
from messaging.publisher import publisher

log = logging.getLogger(__name__)

PROCESS_TASK = "leads.process_inbound_message"  # conversation: the leads workflow
EVENT_TASK = "messaging.process_event"  # delivery statuses and instance states
RECOVERY_BATCH_SIZE = 200


@dataclass
class Ingested:
    outcome: str  # stored | duplicate | ignored | unstorable
    inbound_id: object = None


# The task that handles each webhook type, at ingest and on recovery alike; a type not
# listed is stored as ignored. A call is the customer reaching out like a message (without
# words): the conversation answers it.
TASKS = {
    INCOMING: PROCESS_TASK,
    CALL: PROCESS_TASK,
    STATUS: EVENT_TASK,
    STATE: EVENT_TASK,
}


def task_for(webhook_type: str) -> str | None:
    return TASKS.get(webhook_type)


def ingest(payload: dict) -> Ingested:
    """Store one webhook body (a dict) and hand it on; a resend is acknowledged, not kept."""
    payload = well_formed(payload)
    message = normalise(payload)
    task = task_for(message.webhook_type)
    try:
        with _savepoint():
            row = InboundMessage.objects.create(
                webhook_type=message.webhook_type,
                provider_message_id=message.provider_message_id,
                status=message.status,
                chat_id=message.chat_id,
                sender_name=message.sender_name,
                kind=message.kind,
                subtype=message.subtype,
                text=message.text,
                media_url=message.media_url,
                media_mime_type=message.media_mime_type,
                button_id=message.button_id,
                quoted_message_id=message.quoted_message_id,
                sent_at=message.sent_at,
                raw=storable(payload),
                state=ProcessingState.PENDING if task else ProcessingState.IGNORED,
            )
    except IntegrityError as error:
        if _is_duplicate_delivery(error, message):
            _log_delivery("a repeat, already stored", message)
            return Ingested("duplicate")
        # Not a resend: answering "duplicate" would drop it without a word. Refusing it
        # would stall the instance's queue for a day on a body that can never be stored.
        log.error(
            "webhook %s %s not stored: %s",
            message.webhook_type,
            message.provider_message_id,
            error,
        )
        return Ingested("unstorable")
    if task is None:
        _log_delivery("stored, not acted on", message, row.pk)
        return Ingested("ignored", row.pk)
    _enqueue(task, row.pk)
    _log_delivery("stored", message, row.pk)
    return Ingested("stored", row.pk)


def _log_delivery(what: str, message, inbound_id=None) -> None:
    """One line per delivery, with Green API's idMessage as `message_id` (and the row's
    id), so a message can be followed from here to its turn and its reply."""
    fields = {"message_id": message.provider_message_id}
    if inbound_id is not None:
        fields["inbound_id"] = inbound_id
    log.info(
        "webhook %s %s: %s",
        message.webhook_type,
        message.provider_message_id,
        what,
        extra=fields,
    )


def _savepoint():
    """Inside the caller's transaction a savepoint, so that a resend's unique-key error
    leaves that transaction usable; outside one nothing: the insert commits by itself, one
    statement instead of BEGIN, INSERT and COMMIT, and the database's write lock is held
    for that statement alone."""
    if transaction.get_connection().in_atomic_block:
        return transaction.atomic()
    return contextlib.nullcontext()


def well_formed(value, depth: int = 0):
    """The payload as both databases store it: every string valid UTF-8 (a lone UTF-16
    surrogate, which JSON's "\\ud800" escape produces, becomes U+FFFD) and every number
    that is not finite as its text. Real webhooks come through unchanged."""
    if depth >= MAX_STORED_DEPTH:
        return value  # storable() cuts it here
    if isinstance(value, str):
        return _valid_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {_valid_text(str(k)): well_formed(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [well_formed(v, depth + 1) for v in value]
    return value


def _valid_text(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Through UTF-16 a surrogate pair becomes its character; a lone one, U+FFFD.
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _is_duplicate_delivery(error: IntegrityError, message) -> bool:
    """Only a unique-key violation on a delivery already stored is a resend.

    The backends report it differently, each wrapped in Django's IntegrityError: SQLite as
    SQLITE_CONSTRAINT_UNIQUE; MongoDB as error code 11000, either on a DuplicateKeyError
    or on each write error of the BulkWriteError an insert raises. Any other
    IntegrityError (a CHECK constraint, a NOT NULL) is a body that could not be stored.
    """
    if not any(_is_unique_violation(cause) for cause in _causes(error)):
        return False
    return InboundMessage.objects.filter(
        webhook_type=message.webhook_type,
        provider_message_id=message.provider_message_id,
        status=message.status,
    ).exists()


def _causes(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


MONGO_DUPLICATE_KEY = 11000


def _is_unique_violation(error: BaseException) -> bool:
    if getattr(error, "sqlite_errorname", None) == "SQLITE_CONSTRAINT_UNIQUE":
        return True
    if getattr(error, "code", None) == MONGO_DUPLICATE_KEY:
        return True
    details = getattr(error, "details", None)
    write_errors = details.get("writeErrors") if isinstance(details, dict) else None
    return bool(write_errors) and all(
        isinstance(item, dict) and item.get("code") == MONGO_DUPLICATE_KEY for item in write_errors
    )


def _abandoned_before():
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def claim(inbound_id) -> InboundMessage | None:
    """Take a stored message for processing; None when someone else has it or it is done."""
    claimable = Q(state=ProcessingState.PENDING) | Q(
        state=ProcessingState.PROCESSING, updated_at__lt=_abandoned_before()
    )
    if _take(InboundMessage.objects.filter(claimable, pk=inbound_id)):
        return InboundMessage.objects.get(pk=inbound_id)
    holder = (
        InboundMessage.objects.filter(pk=inbound_id, state=ProcessingState.PROCESSING)
        .values_list("claimed_by", flat=True)
        .first()
    )
    if not holder or not processes.is_gone(holder):
        return None
    # The holder died mid-task: only one of those who see that takes the message over.
    taken = InboundMessage.objects.filter(
        pk=inbound_id, state=ProcessingState.PROCESSING, claimed_by=holder
    )
    if not _take(taken):
        return None
    log.warning("inbound message %s taken over from %s, which is gone", inbound_id, holder)
    return InboundMessage.objects.get(pk=inbound_id)


def _take(rows) -> bool:
    claimed = rows.update(
        state=ProcessingState.PROCESSING,
        attempts=F("attempts") + 1,
        claimed_by=processes.current(),
        updated_at=timezone.now(),
    )
    return claimed == 1


def finish(inbound_id, state=ProcessingState.DONE, error: str = "") -> bool:
    return bool(
        InboundMessage.objects.filter(pk=inbound_id, state=ProcessingState.PROCESSING).update(
            state=state, processed_at=timezone.now(), error=error[:2000]
        )
    )


def release(inbound_id, error: str = "") -> bool:
    """Give a claimed message back, to be processed again later."""
    return bool(
        InboundMessage.objects.filter(pk=inbound_id, state=ProcessingState.PROCESSING).update(
            state=ProcessingState.PENDING, error=error[:2000]
        )
    )


def _enqueue(task: str, inbound_id) -> None:
    """Hand a stored message to the workers once the row that holds it is committed.

    The process's publisher sends it right away from its own thread, so the webhook
    answers without waiting on the broker. A broker that is down does not fail the
    webhook: the row is stored, and the recovery sweep enqueues it later
    (messaging.publisher says why no row is lost).
    """
    on_commit(lambda: publisher.submit(task, inbound_id))


def enqueue_processing(inbound_id) -> None:
    _enqueue(PROCESS_TASK, inbound_id)


def retry_failed(inbound_ids) -> list:
    """Process failed messages again, as a manager asks once the cause is fixed; returns
    the ids taken. Each is taken by a conditional update on its failed state, so one
    waiting, being processed or done is left as it is, and two managers asking at once
    take it once; it then goes to its type's task like a new delivery."""
    failed = InboundMessage.objects.filter(
        pk__in=list(inbound_ids), state=ProcessingState.FAILED, webhook_type__in=list(TASKS)
    ).values_list("pk", "webhook_type")
    taken = []
    for inbound_id, webhook_type in failed:
        if InboundMessage.objects.filter(pk=inbound_id, state=ProcessingState.FAILED).update(
            state=ProcessingState.PENDING, error="", claimed_by="", updated_at=timezone.now()
        ):
            _enqueue(TASKS[webhook_type], inbound_id)
            taken.append(inbound_id)
    return taken


def requeue_unprocessed(older_than_seconds: int = 60, batch_size: int = RECOVERY_BATCH_SIZE) -> int:
    """Enqueue stored messages that no worker has finished (broker was down, worker died),
    each to the task of its webhook type, as at ingest: a delivery status sent to the
    conversation would be marked ignored and lost.

    Safe to run from two beats at once: the processing task claims each row itself.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stuck = Q(state=ProcessingState.PENDING, created_at__lt=cutoff) | Q(
        state=ProcessingState.PROCESSING, updated_at__lt=_abandoned_before()
    )
    rows = list(
        _handled()
        .filter(stuck)
        .order_by("created_at")
        .values_list("pk", "webhook_type")[:batch_size]
    )
    rows += _held_by_the_dead(batch_size)
    for inbound_id, webhook_type in rows:
        celery_app.send_task(TASKS[webhook_type], args=[str(inbound_id)])
    return len(rows)


def _handled():
    """Rows of the types a task handles (any other was stored as ignored)."""
    return InboundMessage.objects.filter(webhook_type__in=list(TASKS))


def _held_by_the_dead(batch_size: int) -> list[tuple]:
    """Messages claimed by processes of this host that no longer exist (a worker that was
    killed and restarted under the same host name), as (id, webhook type)."""
    held = (
        _handled()
        .filter(
            state=ProcessingState.PROCESSING,
            updated_at__gte=_abandoned_before(),
            claimed_by__startswith=processes.host_prefix(),
        )
        .values_list("pk", "webhook_type", "claimed_by")[:batch_size]
    )
    return [(pk, webhook_type) for pk, webhook_type, holder in held if processes.is_gone(holder)]
