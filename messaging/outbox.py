"""The outbox: every outgoing WhatsApp message is a row before it is a request.

A send claims its row with a conditional update, so a task delivered twice sends once.
Messages to one chat leave in the order they were queued. Provider errors that may pass
(429, 5xx, timeouts) are retried with exponential backoff and jitter up to a cap; the
rest fail at once with the reason stored for the admin.

Without Green API credentials the simulator transport stands in: the row is marked sent
with a local id and the simulator page shows it.
"""

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F, Q
from django.db.transaction import on_commit
from django.utils import timezone

from fixi.celery import app as celery_app
from messaging import greenapi
from messaging.choices import numbered_fallback
from messaging.models import OutboundKind, OutboundMessage, OutboundStatus

log = logging.getLogger(__name__)

SEND_TASK = "messaging.send_outbound"
MAX_ATTEMPTS = 6
BASE_DELAY_SECONDS = 5
MAX_DELAY_SECONDS = 15 * 60
ORDER_WAIT_SECONDS = 2
MAX_BUTTONS = 3
MAX_BUTTON_TEXT = 25
STATUS_RANK = {
    OutboundStatus.SENT: 1,
    OutboundStatus.DELIVERED: 2,
    OutboundStatus.READ: 3,
}
PROVIDER_FAILURES = {"failed", "noAccount", "notInGroup", "yellowCard"}


def queue_text(chat_id: str, text: str, topic: str = "") -> OutboundMessage:
    return _queue(chat_id=chat_id, kind=OutboundKind.TEXT, text=text, topic=topic)


def queue_buttons(
    chat_id: str, body: str, buttons: list[tuple[str, str]], topic: str = "", language="he"
) -> OutboundMessage:
    """Quick-reply buttons, with the same options numbered in the text for clients that
    do not show buttons. Limits are checked here, before anything is stored."""
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        raise ValueError(f"a button message has 1 to {MAX_BUTTONS} buttons, not {len(buttons)}")
    too_long = [text for _, text in buttons if len(text) > MAX_BUTTON_TEXT]
    if too_long:
        raise ValueError(f"button text longer than {MAX_BUTTON_TEXT} characters: {too_long}")
    rows = [{"id": button_id, "text": text} for button_id, text in buttons]
    text = f"{body}\n\n{numbered_fallback(rows, language)}"
    return _queue(chat_id=chat_id, kind=OutboundKind.BUTTONS, text=text, buttons=rows, topic=topic)


def queue_file(chat_id: str, url: str, file_name: str, caption: str = "", topic: str = ""):
    return _queue(
        chat_id=chat_id,
        kind=OutboundKind.FILE,
        text=caption,
        file_url=url,
        file_name=file_name,
        topic=topic,
    )


def _queue(**fields) -> OutboundMessage:
    row = OutboundMessage.objects.create(**fields)
    enqueue(row.pk)
    return row


def enqueue(outbound_id, countdown: float = 0) -> None:
    def publish():
        try:
            celery_app.send_task(SEND_TASK, args=[str(outbound_id)], countdown=countdown)
        except Exception:  # broker down: the resend sweep picks the row up later
            log.warning("could not enqueue outbound message %s", outbound_id, exc_info=True)

    on_commit(publish)


@dataclass
class SendOutcome:
    result: str  # sent | skipped | waiting | retry | failed
    retry_in: float = 0.0


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, never sooner than the provider asked."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0))
    delay = random.uniform(ceiling / 2, ceiling)  # noqa: S311  (jitter, not security)
    return max(delay, retry_after or 0.0)


def send(outbound_id) -> SendOutcome:
    """Send one queued row, once. Returns what happened and when to try again."""
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = OutboundMessage.objects.filter(
        due, pk=outbound_id, status=OutboundStatus.QUEUED
    ).update(status=OutboundStatus.SENDING, attempts=F("attempts") + 1, updated_at=now)
    if claimed != 1:
        return SendOutcome("skipped")
    row = OutboundMessage.objects.get(pk=outbound_id)
    if _earlier_unsent(row):
        _release(row, now + timedelta(seconds=ORDER_WAIT_SECONDS), count_attempt=False)
        return SendOutcome("waiting", ORDER_WAIT_SECONDS)
    try:
        provider_id = _transmit(row)
    except greenapi.GreenApiError as error:
        return _handle_error(row, error)
    except ValueError as error:  # a row Green API would refuse (length, file name)
        return _handle_error(row, greenapi.GreenApiError(f"not sendable: {error}"))
    OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.SENT,
        provider_message_id=provider_id,
        sent_at=timezone.now(),
        last_error="",
        next_attempt_at=None,
    )
    return SendOutcome("sent")


def _earlier_unsent(row: OutboundMessage) -> bool:
    return OutboundMessage.objects.filter(
        chat_id=row.chat_id,
        created_at__lt=row.created_at,
        status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING],
    ).exists()


def _release(row, next_attempt_at, count_attempt=True, error="") -> None:
    changes = {"status": OutboundStatus.QUEUED, "next_attempt_at": next_attempt_at}
    if not count_attempt:
        changes["attempts"] = F("attempts") - 1
    if error:
        changes["last_error"] = error
    OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.SENDING).update(**changes)


def _handle_error(row: OutboundMessage, error: "greenapi.GreenApiError") -> SendOutcome:
    if error.retryable and row.attempts < MAX_ATTEMPTS:
        delay = backoff_seconds(row.attempts, error.retry_after)
        _release(row, timezone.now() + timedelta(seconds=delay), error=error.reason[:2000])
        log.warning("outbound %s: %s; retry in %.0fs", row.pk, error.reason, delay)
        return SendOutcome("retry", delay)
    reason = error.reason
    if error.retryable:
        reason = f"gave up after {row.attempts} attempts: {reason}"
    OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.FAILED, last_error=reason[:2000], next_attempt_at=None
    )
    log.error("outbound %s failed: %s", row.pk, reason)
    return SendOutcome("failed")


def _transmit(row: OutboundMessage) -> str:
    if not greenapi.is_configured():
        return f"sim-{uuid.uuid4().hex}"  # the simulator transport
    if row.kind == OutboundKind.BUTTONS:
        buttons = [(b["id"], b["text"]) for b in row.buttons]
        return greenapi.send_interactive_buttons_reply(row.chat_id, row.text, buttons)
    if row.kind == OutboundKind.FILE:
        return greenapi.send_file_by_url(row.chat_id, row.file_url, row.file_name, row.text)
    return greenapi.send_message(row.chat_id, row.text)


def apply_provider_status(provider_message_id: str, status: str, description: str = "") -> bool:
    """A delivery status from Green API; statuses only move forward (sent → delivered →
    read), and a provider failure marks the row failed with the reason."""
    rows = OutboundMessage.objects.filter(provider_message_id=provider_message_id)
    if status in PROVIDER_FAILURES:
        new = OutboundStatus.NO_ACCOUNT if status == "noAccount" else OutboundStatus.FAILED
        reason = f"WhatsApp: {status}" + (f" ({description})" if description else "")
        return bool(rows.update(status=new, last_error=reason[:2000]))
    rank = STATUS_RANK.get(status)
    if rank is None:
        return False
    earlier = [s for s, r in STATUS_RANK.items() if r < rank] + [OutboundStatus.SENDING]
    return bool(rows.filter(status__in=earlier).update(status=status))


def resend_due(batch_size: int = 200) -> int:
    """Re-enqueue rows whose send task was lost (broker down, worker killed)."""
    now = timezone.now()
    stale = now - timedelta(minutes=10)
    # A send interrupted mid-request may or may not have reached WhatsApp; sending again
    # is the lesser harm than a pro or customer never hearing from us.
    OutboundMessage.objects.filter(status=OutboundStatus.SENDING, updated_at__lt=stale).update(
        status=OutboundStatus.QUEUED, last_error="interrupted; sending again"
    )
    lost = now - timedelta(seconds=60)
    ids = list(
        OutboundMessage.objects.filter(
            Q(next_attempt_at__lte=lost) | Q(next_attempt_at__isnull=True, updated_at__lte=lost),
            status=OutboundStatus.QUEUED,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for outbound_id in ids:
        celery_app.send_task(SEND_TASK, args=[str(outbound_id)])
    return len(ids)
