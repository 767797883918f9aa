"""The periodic jobs, defined here and synced into django-celery-beat's tables.

A job missing from the database is created; an existing one is left as the managers set
it (paused, retuned), so a restart never undoes their changes.
"""

from django_celery_beat.models import IntervalSchedule, PeriodicTask

# name -> (task, every N seconds)
PERIODIC_JOBS: dict[str, tuple[str, int]] = {
    "Worker heartbeat": ("fixi.heartbeat", 60),
    "Recover unprocessed WhatsApp messages": ("messaging.requeue_unprocessed", 120),
    "Resend lost outgoing WhatsApp messages": ("messaging.resend_due", 60),
    # Checks every minute; asks Green API at most once per the business settings' interval.
    "WhatsApp connection check": ("messaging.check_instance", 60),
    "SOS healer: replace pros who did not answer": ("leads.sos_heal", 60),
    # Checks every 10 minutes; reports at most once per the business settings' interval.
    "SOS report to the admin": ("leads.sos_report", 600),
    "Stale jobs: follow up after the slot": ("leads.stale_jobs", 600),
    "Customer reminders (day before, 2 hours before)": ("leads.reminders", 300),
    # Every 5 minutes; each pro's agenda at most once a day, at the pro's own hour.
    "Pros' daily agenda": ("leads.pro_agendas", 300),
}


def sync_beat_schedule() -> list[str]:
    """Create the jobs the database lacks; return their names."""
    created = []
    for name, (task, seconds) in PERIODIC_JOBS.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        interval = IntervalSchedule.objects.filter(
            every=seconds, period=IntervalSchedule.SECONDS
        ).first() or IntervalSchedule.objects.create(every=seconds, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})
        created.append(name)
    return created
