"""Celery tasks of the leads app: thin, safe to run twice (each claims its own work)."""

from celery import shared_task

from leads import monitors
from leads.conversation import process_inbound
from leads.pro_office import agenda


@shared_task(name="leads.process_inbound_message")
def process_inbound_message(inbound_id: str) -> str:
    return process_inbound(inbound_id)


@shared_task(name="leads.sos_heal")
def sos_heal() -> str:
    return str(monitors.heal())


@shared_task(name="leads.sos_report")
def sos_report() -> str:
    return str(monitors.report())


@shared_task(name="leads.stale_jobs")
def stale_jobs() -> str:
    return str(monitors.follow_up_stale())


@shared_task(name="leads.reminders")
def reminders() -> str:
    return str(monitors.send_reminders())


@shared_task(name="leads.pro_agendas")
def pro_agendas() -> str:
    return str(agenda.send_due())
