"""The Celery app: settings under the CELERY_ namespace, tasks from each app's tasks.py."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixi.settings")

app = Celery("fixi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.beat_init.connect
def _sync_schedule_on_beat_start(**_kwargs):
    from fixi.schedule import sync_beat_schedule

    sync_beat_schedule()


@signals.worker_ready.connect
def _recover_on_worker_start(**_kwargs):
    """A worker that starts (perhaps after a crash, or once the broker is back) first
    enqueues whatever was stored but never finished, and outgoing messages left behind."""
    app.send_task("messaging.requeue_unprocessed", kwargs={"older_than_seconds": 0})
    app.send_task("messaging.resend_due")
