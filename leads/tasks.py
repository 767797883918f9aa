from celery import shared_task

from leads import workflow


@shared_task(name="leads.process_inbound_message")
def process_inbound_message(inbound_id: str) -> str:
    return workflow.process_inbound(inbound_id)
