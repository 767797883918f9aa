"""The outbox: every outgoing WhatsApp message is a row before it is a request.

A send claims its row with a conditional update, so a task delivered twice sends once.
Messages to one chat leave in the order they were queued. Provider errors that may pass
(429, 5xx, timeouts) are retried with exponential backoff and jitter up to a cap; the
rest fail at once with the reason stored for the admin.

Green API has no idempotency key, so a send that ended without an answer (a read
timeout, a dropped connection, a worker that died mid-request) may already be on the
customer's phone. Such a row is marked `unconfirmed_since` and is not sent again before
Green API's journal of outgoing messages has been read: if the message is there, the row
is marked sent with the journal's id; if it is not, it is sent. The retry waits at least
JOURNAL_DELAY_SECONDS, because a sent message can take up to 2 minutes to show there.

Without Green API credentials the simulator transport stands in: the row is marked sent
with a local id and the simulator page shows it.
"""

import logging
import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
# Green API: a sent message can take up to 2 minutes to appear in its journal.
JOURNAL_DELAY_SECONDS = 150
# Journal timestamps are Green API's clock; ours may differ by this much.
CLOCK_SKEW_SECONDS = 60
STALE_SENDING_MINUTES = 10
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
    if row.unconfirmed_since and greenapi.is_configured():
        try:
            entry = find_in_journal(row)
        except greenapi.GreenApiError as error:
            # Sending blind could deliver twice; reading the journal again later cannot.
            return _handle_error(row, _journal_error(error))
        if entry:
            log.info("outbound %s is in Green API's journal; not sending it again", row.pk)
            _mark_sent(row, entry["idMessage"], _journal_time(entry))
            return SendOutcome("sent")
    try:
        provider_id = _transmit(row)
    except greenapi.GreenApiError as error:
        return _handle_error(row, error)
    except ValueError as error:  # a row Green API would refuse (length, file name)
        return _handle_error(row, greenapi.GreenApiError(f"not sendable: {error}"))
    _mark_sent(row, provider_id, timezone.now())
    return SendOutcome("sent")


def _mark_sent(row: OutboundMessage, provider_id: str, sent_at) -> None:
    OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.SENT,
        provider_message_id=provider_id,
        sent_at=sent_at,
        last_error="",
        next_attempt_at=None,
        unconfirmed_since=None,
    )


def _earlier_unsent(row: OutboundMessage) -> bool:
    return OutboundMessage.objects.filter(
        chat_id=row.chat_id,
        created_at__lt=row.created_at,
        status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING],
    ).exists()


def _release(row, next_attempt_at, count_attempt=True, error="", **changes) -> None:
    changes.update(status=OutboundStatus.QUEUED, next_attempt_at=next_attempt_at)
    if not count_attempt:
        changes["attempts"] = F("attempts") - 1
    if error:
        changes["last_error"] = error
    OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.SENDING).update(**changes)


def _handle_error(row: OutboundMessage, error: "greenapi.GreenApiError") -> SendOutcome:
    unconfirmed = {}
    if error.ambiguous:
        # The claim time (updated_at) is before the request left, so the journal window
        # that starts there covers it.
        unconfirmed["unconfirmed_since"] = row.unconfirmed_since or row.updated_at
    if error.retryable and row.attempts < MAX_ATTEMPTS:
        delay = backoff_seconds(row.attempts, error.retry_after)
        if error.ambiguous:
            delay = max(delay, JOURNAL_DELAY_SECONDS)
        next_attempt_at = timezone.now() + timedelta(seconds=delay)
        _release(row, next_attempt_at, error=error.reason[:2000], **unconfirmed)
        log.warning("outbound %s: %s; retry in %.0fs", row.pk, error.reason, delay)
        return SendOutcome("retry", delay)
    reason = error.reason
    if error.retryable:
        reason = f"gave up after {row.attempts} attempts: {reason}"
    if error.ambiguous:
        reason += " (no answer to the last send: WhatsApp may have the message)"
    OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.FAILED, last_error=reason[:2000], next_attempt_at=None, **unconfirmed
    )
    log.error("outbound %s failed: %s", row.pk, reason)
    return SendOutcome("failed")


# --- Green API's journal: was an unconfirmed send delivered after all? ------------------


def find_in_journal(row: OutboundMessage) -> dict | None:
    """The journal entry of this row's message, sent since it became unconfirmed, or None.

    Entries whose id another row already holds are someone else's message with the same
    text; messages to one chat go out one at a time, so two rows never race for one.
    """
    since = row.unconfirmed_since - timedelta(seconds=CLOCK_SKEW_SECONDS)
    minutes = math.ceil((timezone.now() - since).total_seconds() / 60)
    entries = greenapi.last_outgoing_messages(max(minutes, 1))
    matches = sorted(
        (entry for entry in entries if _is_this_message(row, entry, since.timestamp())),
        key=lambda entry: entry["timestamp"],
    )
    if not matches:
        return None
    taken = set(
        OutboundMessage.objects.filter(provider_message_id__in=[m["idMessage"] for m in matches])
        .exclude(pk=row.pk)
        .values_list("provider_message_id", flat=True)
    )
    return next((entry for entry in matches if entry["idMessage"] not in taken), None)


def _is_this_message(row: OutboundMessage, entry: dict, since: float) -> bool:
    timestamp, id_message = entry.get("timestamp"), entry.get("idMessage")
    return (
        entry.get("chatId") == row.chat_id
        and entry.get("type", "outgoing") == "outgoing"
        and entry.get("sendByApi") is not False  # not typed on the phone
        and isinstance(timestamp, int | float)
        and timestamp >= since
        and isinstance(id_message, str)
        and bool(id_message)
        and _same_content(row, entry)
    )


def _same_content(row: OutboundMessage, entry: dict) -> bool:
    texts = _journal_texts(entry)
    mine = row.text.strip()
    if row.kind == OutboundKind.FILE:
        return entry.get("fileName") == row.file_name or (bool(mine) and mine in texts)
    if row.kind == OutboundKind.BUTTONS:
        # The journal may carry the body alone, part of it, or header, body and footer.
        return any(mine.startswith(text) or mine in text for text in texts)
    return mine in texts


def _journal_texts(entry: dict) -> list[str]:
    """Every text an entry carries: textMessage and caption, and the text or body of a
    nested message (extendedTextMessage, interactive buttons)."""
    found = [entry.get("textMessage"), entry.get("caption")]
    for value in entry.values():
        if isinstance(value, dict):
            found += [value.get("text"), value.get("body"), value.get("contentText")]
    return [text.strip() for text in found if isinstance(text, str) and text.strip()]


def _journal_time(entry: dict):
    return datetime.fromtimestamp(entry["timestamp"], tz=UTC)


def _journal_error(error: "greenapi.GreenApiError") -> "greenapi.GreenApiError":
    return greenapi.GreenApiError(
        f"could not read Green API's journal to check an unconfirmed send: {error.reason}",
        status=error.status,
        retryable=True,
        retry_after=error.retry_after,
    )


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
    stale = now - timedelta(minutes=STALE_SENDING_MINUTES)
    # A send interrupted mid-request may or may not have reached WhatsApp, so it becomes
    # unconfirmed since its claim (updated_at, before the request left) and the journal
    # is read before it goes again. Its claim is old enough for the journal to show it.
    interrupted = OutboundMessage.objects.filter(
        status=OutboundStatus.SENDING, updated_at__lt=stale
    )
    reason = "interrupted mid-send; Green API's journal is checked before sending again"
    interrupted.filter(unconfirmed_since__isnull=True).update(
        status=OutboundStatus.QUEUED, last_error=reason, unconfirmed_since=F("updated_at")
    )
    interrupted.update(status=OutboundStatus.QUEUED, last_error=reason)
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
