"""One worker per conversation, and a burst of messages read as one turn.

People write on WhatsApp in bursts ("שלום" / "יש לי נזילה" / "אני בחיפה" / a photo /
"מחר ב-10"). A chat's messages are worked on by one worker at a time, in the provider's
timestamp order (ties by arrival), and the messages that arrive within the quiet window of
each other are taken together as one turn:

1. `quiet_for` says how long the chat has yet to stay quiet: the window measured from its
   latest waiting message. A task that comes too early puts itself back on the queue for
   that long (`defer`), so a lone message waits the window at most and no worker sleeps.
2. `claim_chat` takes the chat with one conditional update on its `ChatClaim` row: free
   when `until` has passed or the holder's process is gone (same rule as an inbound
   message's claim, see messaging.inbox). The lease is longer than a task may live, so a
   holder that is still running always holds it.
3. `take_turn` claims every waiting message of the chat (and takes over those a gone
   holder left half done), oldest first.
4. `release_chat` hands the chat back. A task that found the chat taken returns at once;
   its message is not lost, because the holder looks for waiting messages after releasing
   (`has_waiting`) and the recovery sweep enqueues anything left behind.

Nothing here knows what a message means: that is the leads workflow's.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from fixi import claims, processes
from fixi.celery import app as celery_app
from messaging.models import ChatClaim, InboundMessage, ProcessingState
from messaging.payloads import CALL, INCOMING

CONVERSATION_WEBHOOKS = (INCOMING, CALL)
FLOOD_WINDOW = dt.timedelta(minutes=1)
MAX_TURN_MESSAGES = 50  # a flood's held-back messages are read in turns of at most this many
MAX_DEFER_SECONDS = 60


def lease() -> dt.timedelta:
    """Longer than a task may run, so a live holder never loses the chat to another worker."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def _conversation(chat_id: str):
    return InboundMessage.objects.filter(chat_id=chat_id, webhook_type__in=CONVERSATION_WEBHOOKS)


def _waiting(chat_id: str):
    return _conversation(chat_id).filter(state=ProcessingState.PENDING)


def has_waiting(chat_id: str) -> bool:
    return _waiting(chat_id).exists()


def quiet_for(chat_id: str, window: float, now=None) -> float:
    """Seconds until the chat has been quiet for `window` since its latest waiting message
    arrived (0 when it has, or when nothing waits)."""
    if window <= 0:
        return 0.0
    now = now or timezone.now()
    latest = _waiting(chat_id).order_by("-created_at").values_list("created_at", flat=True)
    arrived = latest.first()
    if arrived is None:
        return 0.0
    return max(0.0, (arrived + dt.timedelta(seconds=window) - now).total_seconds())


def defer(task: str, inbound_id, seconds: float) -> None:
    """Run the task for this message again in `seconds` (bounded); a broker that refuses is
    covered by the recovery sweep."""
    celery_app.send_task(task, args=[str(inbound_id)], countdown=min(seconds, MAX_DEFER_SECONDS))


def _new_holder() -> str:
    # The process identity says whether the holder is gone; the suffix tells apart two
    # threads of one process (tests run them).
    return f"{processes.current()}#{secrets.token_hex(4)}"


def _holder_gone(holder: str) -> bool:
    return bool(holder) and processes.is_gone(holder.partition("#")[0])


def claim_chat(chat_id: str, now=None) -> str | None:
    """Take the chat; returns the holder to release it with, or None when it is held.

    The free claim row is taken first (one update, the common case); a chat seen for the
    first time has none, and its row is created by exactly one of the workers that try."""
    now = now or timezone.now()
    holder = _new_holder()
    until = now + lease()
    free = ChatClaim.objects.filter(chat_id=chat_id, until__lte=now)
    if free.update(holder=holder, until=until, updated_at=now) == 1:
        return holder
    if claims.insert(ChatClaim, chat_id=chat_id, holder=holder, until=until) is not None:
        return holder
    current = ChatClaim.objects.filter(chat_id=chat_id).values_list("holder", flat=True).first()
    if current and _holder_gone(current):
        taken = ChatClaim.objects.filter(chat_id=chat_id, holder=current)
        if taken.update(holder=holder, until=until, updated_at=now) == 1:
            return holder
    return None


def renew_chat(chat_id: str, holder: str, now=None) -> bool:
    now = now or timezone.now()
    renewed = ChatClaim.objects.filter(chat_id=chat_id, holder=holder)
    return renewed.update(until=now + lease(), updated_at=now) == 1


def release_chat(chat_id: str, holder: str, now=None) -> bool:
    now = now or timezone.now()
    released = ChatClaim.objects.filter(chat_id=chat_id, holder=holder)
    return released.update(holder="", until=now, updated_at=now) == 1


def take_turn(chat_id: str, holder: str, limit: int = MAX_TURN_MESSAGES) -> list[InboundMessage]:
    """Claim the chat's waiting messages (at most `limit`), oldest first by the provider's
    timestamp, ties by arrival. The caller holds the chat, so a message still marked as
    being processed was left by a holder that lost the chat (it died): it is taken over.

    Each message is claimed by a conditional update on the state and holder it was read
    with; messages read alike are claimed by one update. Rows another worker changed in
    between are not claimed and are left out (read back only when that happened)."""
    takeable = Q(state=ProcessingState.PENDING) | Q(state=ProcessingState.PROCESSING)
    rows = list(
        _conversation(chat_id)
        .filter(takeable)
        .exclude(claimed_by=holder)
        .order_by(F("sent_at").asc(nulls_last=True), "created_at")[:limit]
    )
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault((row.state, row.claimed_by), []).append(row.pk)
    now = timezone.now()
    every_one = True
    for (state, claimed_by), pks in groups.items():
        mine = InboundMessage.objects.filter(pk__in=pks, state=state, claimed_by=claimed_by).update(
            state=ProcessingState.PROCESSING,
            attempts=F("attempts") + 1,
            claimed_by=holder,
            updated_at=now,
        )
        every_one = every_one and mine == len(pks)
    if not every_one:
        claimed = InboundMessage.objects.filter(
            pk__in=[row.pk for row in rows], claimed_by=holder, state=ProcessingState.PROCESSING
        ).values_list("pk", "attempts")
        attempts = dict(claimed)
        rows = [row for row in rows if row.pk in attempts]
        for row in rows:
            row.attempts = attempts[row.pk]
    else:
        for row in rows:
            row.attempts += 1
    for row in rows:
        row.state, row.claimed_by, row.updated_at = ProcessingState.PROCESSING, holder, now
    return rows


def flood_count(chat_id: str, now=None) -> int:
    """The chat's messages that arrived in the last minute."""
    now = now or timezone.now()
    return _conversation(chat_id).filter(created_at__gt=now - FLOOD_WINDOW).count()


def finish(messages, holder: str, state=ProcessingState.DONE, error: str = "") -> int:
    return InboundMessage.objects.filter(
        pk__in=[m.pk for m in messages], claimed_by=holder, state=ProcessingState.PROCESSING
    ).update(state=state, processed_at=timezone.now(), error=error[:2000])


def give_back(messages, holder: str, error: str = "") -> int:
    """Return claimed messages to the waiting list, to be read with a later turn."""
    return InboundMessage.objects.filter(
        pk__in=[m.pk for m in messages], claimed_by=holder, state=ProcessingState.PROCESSING
    ).update(state=ProcessingState.PENDING, claimed_by="", error=error[:2000])


def attach(messages, topic: str) -> int:
    """Mark the messages as belonging to `topic` (e.g. a lead), once; the objects given
    carry it too (the turn's log line names it)."""
    attached = InboundMessage.objects.filter(pk__in=[m.pk for m in messages], topic="").update(
        topic=topic
    )
    for message in messages:
        message.topic = message.topic or topic
    return attached
