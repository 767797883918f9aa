from celery import shared_task

from messaging import inbox


@shared_task(name="messaging.requeue_unprocessed")
def requeue_unprocessed() -> int:
    return inbox.requeue_unprocessed()
