from celery import shared_task

from messaging import events, inbox, instance, outbox


@shared_task(name="messaging.requeue_unprocessed")
def requeue_unprocessed(older_than_seconds: int = 60) -> int:
    return inbox.requeue_unprocessed(older_than_seconds)


@shared_task(name="messaging.process_event")
def process_event(inbound_id: str) -> str:
    return events.process_event(inbound_id)


@shared_task(name="messaging.send_outbound")
def send_outbound(outbound_id: str) -> str:
    outcome = outbox.send(outbound_id)
    if outcome.retry_in:
        outbox.enqueue(outbound_id, countdown=outcome.retry_in)
    return outcome.result


@shared_task(name="messaging.resend_due")
def resend_due() -> int:
    return outbox.resend_due()


@shared_task(name="messaging.check_instance")
def check_instance() -> str:
    return instance.check()
