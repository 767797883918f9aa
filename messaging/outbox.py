"""The outbox: every outgoing WhatsApp message is a row before it is a request.

A send claims its row with a conditional update, so a task delivered twice sends once.
Messages to one chat leave in the order they were queued. Provider errors that may pass
(429, 5xx but the documented permanent 500s, timeouts) are retried with exponential
backoff and jitter up to a cap; the rest fail at once with the reason stored for the
admin.

While the WhatsApp instance is starting or not authorised, Green API refuses every send
with a 400 that says so. Such a refusal uses up no attempt: the row waits in the outbox
and is tried again every INSTANCE_DOWN_RETRY_SECONDS until the instance is back, for up
to INSTANCE_DOWN_GIVE_UP_HOURS (as long as Green API itself keeps a queued send); then
it fails with that reason.

Green API has no idempotency key, so a send that ended without an answer (a read
timeout, a dropped connection, a gateway that gave up or lost the answer, a worker that
died mid-request) may already be on the customer's phone. Such a row is marked
`unconfirmed_since` and is not sent again before Green API's journal of outgoing
messages has been read (messaging.journal): if the message is there, the row is marked
sent with the journal's id and the time of its attempt; if it is not, it is sent. A row
is only judged "not there" once its attempt is JOURNAL_DELAY_SECONDS old, because a sent
message can take up to 2 minutes to show. Green API answers the journal once a second
per instance, so one read settles every unconfirmed row at once, a lease keeps workers
from reading it more often, and a 429 from it uses up no attempt.

A file row whose link is public (Cloudinary's https links) is sent by that link
(sendFileByUrl); one kept on local disk (MEDIA_URL + its name), which nobody outside can
fetch, is uploaded (sendFileByUpload). Files forwarded to a chat (`queue_files`) are
queued once per chat and file however often that is asked: the row's id is derived from
both, so a second insert is refused by the primary key.

Without Green API credentials the simulator transport stands in: the row is marked sent
with a local id and the simulator page shows it.
"""

import logging
import mimetypes
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db.models import F, Min, Q
from django.db.transaction import on_commit
from django.utils import timezone

from fixi import leases
from fixi.celery import app as celery_app
from messaging import greenapi, journal
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
# Green API answers lastOutgoingMessages at most once a second per instance.
JOURNAL_READ_SECONDS = 1.0
JOURNAL_LEASE = "green-api:lastOutgoingMessages"
JOURNAL_BATCH = 200  # unconfirmed rows one journal read settles
INSTANCE_DOWN_RETRY_SECONDS = 30
INSTANCE_DOWN_GIVE_UP_HOURS = 24
STALE_SENDING_MINUTES = 10
MAX_BUTTONS = 3
MAX_BUTTON_TEXT = 25
STATUS_RANK = {
    OutboundStatus.SENT: 1,
    OutboundStatus.DELIVERED: 2,
    OutboundStatus.READ: 3,
}
PROVIDER_FAILURES = {"failed", "noAccount", "notInGroup", "yellowCard"}
# Ids of forwarded files: one row per chat and file (uuid5 of both in this namespace).
FORWARD_NAMESPACE = uuid.UUID("5b0e3f63-8a43-4bd5-9c57-0f3c3e0a9d21")


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


def queue_files(chat_id: str, files: list[dict], caption: str = "", topic: str = "") -> list:
    """Forward files as the media store keeps them ({url, mime_type, ...}) to a chat, one
    message each, after what was queued for it before; returns the rows queued now.

    Each file goes to a chat once: its row's id comes from the chat and the file's link,
    so asking again (a task run twice, a retried turn) finds the row and queues nothing."""
    queued = []
    for item in files:
        url = (item or {}).get("url")
        if not url:
            continue
        row, created = OutboundMessage.objects.get_or_create(
            pk=uuid.uuid5(FORWARD_NAMESPACE, f"{chat_id}\n{url}"),
            defaults={
                "chat_id": chat_id,
                "kind": OutboundKind.FILE,
                "text": caption,
                "file_url": url,
                "file_name": _file_name(url, item.get("mime_type", "")),
                "topic": topic,
            },
        )
        if created:
            enqueue(row.pk)
            queued.append(row)
    return queued


def _file_name(url: str, mime_type: str) -> str:
    """The name WhatsApp shows: the stored file's own, with an extension (WhatsApp picks
    the file's type from it)."""
    name = PurePosixPath(unquote(urlsplit(url).path)).name or "file"
    if "." in name.strip("."):
        return name
    if mime_type.startswith("audio/ogg"):
        return f"{name}.ogg"  # a voice note: guess_extension says .oga, WhatsApp wants .ogg
    return f"{name}{mimetypes.guess_extension(mime_type) or '.bin'}"


def _queue(**fields) -> OutboundMessage:
    row = OutboundMessage.objects.create(**fields)
    enqueue(row.pk)
    return row


def reword_unsent(outbound_id, text: str) -> bool:
    """New words for a message that has not left yet (an alert overtaken by events), sent
    at once; False when it has left, is leaving, or may have left (unconfirmed)."""
    reworded = OutboundMessage.objects.filter(
        pk=outbound_id, status=OutboundStatus.QUEUED, unconfirmed_since__isnull=True
    ).update(text=text, next_attempt_at=None, updated_at=timezone.now())
    if reworded:
        enqueue(outbound_id)
    return bool(reworded)


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


def _jittered(seconds: float, spread: float) -> float:
    """`seconds` and up to `spread` more, so rows held together do not all wake at once."""
    return seconds + random.uniform(0, spread)  # noqa: S311  (jitter, not security)


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
    wait = _wait_for_earlier(row, now)
    if wait:
        _release(row, now + timedelta(seconds=wait), count_attempt=False)
        return SendOutcome("waiting", wait)
    if row.unconfirmed_since and greenapi.is_configured():
        settled = _settle_from_journal(row)
        if settled is not None:
            return settled
    try:
        provider_id = _transmit(row)
    except greenapi.GreenApiError as error:
        return _handle_error(row, error)
    except ValueError as error:  # a row Green API would refuse (length, file name)
        return _handle_error(row, greenapi.GreenApiError(f"not sendable: {error}"))
    _mark_sent(row, provider_id, timezone.now())
    log.info(
        "outbound %s sent: %s",
        row.pk,
        provider_id,
        extra={"outbound_id": row.pk, "message_id": provider_id, "topic": row.topic},
    )
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


def _wait_for_earlier(row: OutboundMessage, now) -> float:
    """Seconds to wait for this chat's earlier messages to leave first (0: none left).

    An earlier row waiting for its own retry (a long backoff, an instance that is down)
    holds this one until then, instead of making it try again every few seconds."""
    earlier = OutboundMessage.objects.filter(
        chat_id=row.chat_id,
        created_at__lt=row.created_at,
        status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING],
    )
    if not earlier.exists():
        return 0.0
    next_try = earlier.filter(status=OutboundStatus.QUEUED).aggregate(at=Min("next_attempt_at"))
    if next_try["at"] is None:
        return ORDER_WAIT_SECONDS
    until = (next_try["at"] - now).total_seconds() + ORDER_WAIT_SECONDS
    return min(max(until, ORDER_WAIT_SECONDS), MAX_DELAY_SECONDS)


def _release(row, next_attempt_at, count_attempt=True, error="", **changes) -> None:
    changes.update(status=OutboundStatus.QUEUED, next_attempt_at=next_attempt_at)
    if not count_attempt:
        changes["attempts"] = F("attempts") - 1
    if error:
        changes["last_error"] = error
    OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.SENDING).update(**changes)


def _handle_error(row: OutboundMessage, error: "greenapi.GreenApiError") -> SendOutcome:
    if error.instance_down:
        return _hold_while_instance_down(row, error)
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


def _hold_while_instance_down(row: OutboundMessage, error) -> SendOutcome:
    """The instance is starting or not authorised: nothing was taken. The row waits for it
    without using up an attempt, as long as Green API would have kept the send queued."""
    now = timezone.now()
    if now - row.created_at < timedelta(hours=INSTANCE_DOWN_GIVE_UP_HOURS):
        spread = INSTANCE_DOWN_RETRY_SECONDS / 2
        delay = max(_jittered(INSTANCE_DOWN_RETRY_SECONDS, spread), error.retry_after or 0)
        reason = f"waiting for the WhatsApp instance: {error.reason}"
        _release(row, now + timedelta(seconds=delay), count_attempt=False, error=reason[:2000])
        log.warning("outbound %s: %s; retry in %.0fs", row.pk, error.reason, delay)
        return SendOutcome("retry", delay)
    reason = (
        f"WhatsApp was not connected for {INSTANCE_DOWN_GIVE_UP_HOURS} hours after this "
        f"message was queued: {error.reason}"
    )
    OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.FAILED, last_error=reason[:2000], next_attempt_at=None
    )
    log.error("outbound %s failed: %s", row.pk, reason)
    return SendOutcome("failed")


# --- Green API's journal: was an unconfirmed send delivered after all? ------------------


def _settle_from_journal(row: OutboundMessage) -> SendOutcome | None:
    """Read the journal once for every unconfirmed row; what became of this one, or None
    when it is not there and may be sent."""
    now = timezone.now()
    if leases.acquire(JOURNAL_LEASE, JOURNAL_READ_SECONDS, now=now) is None:
        # Another worker reads the journal this second; its read settles this row too.
        return _wait_for_journal(row, now, JOURNAL_READ_SECONDS)
    rows = [row, *_other_unconfirmed(row)]
    try:
        entries = greenapi.last_outgoing_messages(journal.window_minutes(rows, now))
    except greenapi.GreenApiError as error:
        if error.status == HTTPStatus.TOO_MANY_REQUESTS:
            # Only the journal's rate limit: no send was tried, so no attempt is used up.
            return _wait_for_journal(row, now, error.retry_after or JOURNAL_READ_SECONDS)
        # Sending blind could deliver twice; reading the journal again later cannot.
        return _handle_error(row, _journal_error(error))
    found = journal.match(rows, entries)
    settled_before = now - timedelta(seconds=JOURNAL_DELAY_SECONDS)
    for other in rows[1:]:
        _settle_other(other, found.get(other.pk), settled_before)
    if row.pk in found:
        _log_journaled(row, found[row.pk]["idMessage"])
        _mark_sent(row, found[row.pk]["idMessage"], row.unconfirmed_since)
        return SendOutcome("sent")
    if row.unconfirmed_since > settled_before:
        # Too early to tell: the message may yet show up in the journal.
        until = row.unconfirmed_since + timedelta(seconds=JOURNAL_DELAY_SECONDS)
        return _wait_for_journal(row, now, (until - now).total_seconds())
    return None


def _other_unconfirmed(row: OutboundMessage) -> list[OutboundMessage]:
    """Unconfirmed rows waiting for their retry; a row being sent right now is its
    sender's to settle."""
    return list(
        OutboundMessage.objects.filter(
            status=OutboundStatus.QUEUED, unconfirmed_since__isnull=False
        )
        .exclude(pk=row.pk)
        .order_by("created_at")[: JOURNAL_BATCH - 1]
    )


def _settle_other(row: OutboundMessage, entry: dict | None, settled_before) -> None:
    """Settle a waiting row from a journal read made for another: sent when its message is
    there; when it is not and its attempt is old enough, no longer unconfirmed, so its own
    retry sends it without reading the journal again. A row claimed meanwhile is left to
    its sender (the conditional updates then change nothing)."""
    waiting = OutboundMessage.objects.filter(
        pk=row.pk, status=OutboundStatus.QUEUED, unconfirmed_since=row.unconfirmed_since
    )
    if entry is not None:
        if waiting.update(
            status=OutboundStatus.SENT,
            provider_message_id=entry["idMessage"],
            sent_at=row.unconfirmed_since,
            last_error="",
            next_attempt_at=None,
            unconfirmed_since=None,
        ):
            _log_journaled(row, entry["idMessage"])
    elif row.unconfirmed_since <= settled_before:
        waiting.update(unconfirmed_since=None)


def _log_journaled(row: OutboundMessage, provider_id: str) -> None:
    log.info(
        "outbound %s is in Green API's journal as %s; not sending it again",
        row.pk,
        provider_id,
        extra={"outbound_id": row.pk, "message_id": provider_id, "topic": row.topic},
    )


def _wait_for_journal(row: OutboundMessage, now, seconds: float) -> SendOutcome:
    delay = _jittered(max(seconds, JOURNAL_READ_SECONDS), JOURNAL_READ_SECONDS)
    _release(row, now + timedelta(seconds=delay), count_attempt=False)
    return SendOutcome("waiting", delay)


def _journal_error(error: "greenapi.GreenApiError") -> "greenapi.GreenApiError":
    return greenapi.GreenApiError(
        f"could not read Green API's journal to check an unconfirmed send: {error.reason}",
        status=error.status,
        retryable=True,
        retry_after=error.retry_after,
        instance_down=error.instance_down,
    )


def _transmit(row: OutboundMessage) -> str:
    if not greenapi.is_configured():
        return f"sim-{uuid.uuid4().hex}"  # the simulator transport
    if row.kind == OutboundKind.BUTTONS:
        buttons = [(b["id"], b["text"]) for b in row.buttons]
        return greenapi.send_interactive_buttons_reply(row.chat_id, row.text, buttons)
    if row.kind == OutboundKind.FILE:
        return _transmit_file(row)
    return greenapi.send_message(row.chat_id, row.text)


def _transmit_file(row: OutboundMessage) -> str:
    """By its link when anyone can fetch it, else by uploading the file kept on disk."""
    if urlsplit(row.file_url).scheme in ("http", "https"):
        return greenapi.send_file_by_url(row.chat_id, row.file_url, row.file_name, row.text)
    name = local_media_name(row.file_url)
    if name is None:
        raise ValueError(f"file link {row.file_url!r} is neither public nor a kept file")
    try:
        with default_storage.open(name, "rb") as file:
            content = file.read()
    except FileNotFoundError:
        raise ValueError(f"file {name!r} is no longer kept on local disk") from None
    except SuspiciousFileOperation:
        raise ValueError(f"file {name!r} is outside the media folder") from None
    mime_type = mimetypes.guess_type(row.file_name)[0] or ""
    return greenapi.send_file_by_upload(row.chat_id, content, row.file_name, row.text, mime_type)


def local_media_name(url: str) -> str | None:
    """The storage name of a file kept on local disk, from its link (MEDIA_URL + name);
    None for any other link. A name that leads out of MEDIA_ROOT is refused by the
    storage when it is opened (SuspiciousFileOperation)."""
    base = default_storage.base_url
    if not url or urlsplit(url).scheme or urlsplit(url).netloc or not url.startswith(base):
        return None
    return unquote(url[len(base) :]) or None


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


def resend_failed(outbound_ids) -> list:
    """Queue failed rows again, as a manager asks once the cause is fixed; returns the ids
    taken. Each is taken by a conditional update on its failed status, so a row queued,
    being sent or sent is left as it is, and two managers asking at once take it once.
    Its attempts start again; a row whose last send got no answer keeps
    `unconfirmed_since`, so Green API's journal is read before it goes again."""
    taken = []
    for outbound_id in outbound_ids:
        if OutboundMessage.objects.filter(pk=outbound_id, status=OutboundStatus.FAILED).update(
            status=OutboundStatus.QUEUED,
            attempts=0,
            next_attempt_at=None,
            last_error="",
            updated_at=timezone.now(),
        ):
            enqueue(outbound_id)
            taken.append(outbound_id)
    return taken


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
