"""The inbound side of the channel: claiming stored webhooks for processing, exactly once.

The webhook view stores; a worker claims with a conditional update and only the caller
whose update changed a row goes on. A claim older than the task time limit is treated as
abandoned (the worker died), so redelivery can take it again.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.db.transaction import on_commit
from django.utils import timezone

from fixi.celery import app as celery_app
from messaging.models import InboundMessage, ProcessingState

PROCESS_TASK = "leads.process_inbound_message"
RECOVERY_BATCH_SIZE = 200


def _abandoned_before():
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def claim(inbound_id) -> InboundMessage | None:
    """Take a stored message for processing; None when someone else has it or it is done."""
    claimable = Q(state=ProcessingState.PENDING) | Q(
        state=ProcessingState.PROCESSING, updated_at__lt=_abandoned_before()
    )
    claimed = InboundMessage.objects.filter(claimable, pk=inbound_id).update(
        state=ProcessingState.PROCESSING,
        attempts=F("attempts") + 1,
        updated_at=timezone.now(),
    )
    if claimed != 1:
        return None
    return InboundMessage.objects.get(pk=inbound_id)


def finish(inbound_id, state=ProcessingState.DONE, error: str = "") -> bool:
    return bool(
        InboundMessage.objects.filter(pk=inbound_id, state=ProcessingState.PROCESSING).update(
            state=state, processed_at=timezone.now(), error=error[:2000]
        )
    )


def enqueue_processing(inbound_id) -> None:
    """Hand a stored message to the workers once the row that holds it is committed."""
    on_commit(lambda: celery_app.send_task(PROCESS_TASK, args=[str(inbound_id)]))


def requeue_unprocessed(older_than_seconds: int = 60, batch_size: int = RECOVERY_BATCH_SIZE) -> int:
    """Enqueue stored messages that no worker has finished (broker was down, worker died).

    Safe to run from two beats at once: the processing task claims each row itself.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stuck = Q(state=ProcessingState.PENDING, created_at__lt=cutoff) | Q(
        state=ProcessingState.PROCESSING, updated_at__lt=_abandoned_before()
    )
    ids = list(
        InboundMessage.objects.filter(stuck)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for inbound_id in ids:
        celery_app.send_task(PROCESS_TASK, args=[str(inbound_id)])
    return len(ids)
