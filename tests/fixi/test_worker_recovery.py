"""A worker that starts recovers what waited out an outage, each row to its own task."""

import base64
import json

import pytest

from tests.messaging.test_recovery import CONVERSATION, EVENTS, _rows_of_every_type

pytestmark = pytest.mark.django_db


def _published(folder) -> list[tuple[str, list, dict]]:
    """What the embedded broker holds: (task, args, kwargs), oldest first."""
    found = []
    for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns):
        message = json.loads(path.read_text())
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], args, kwargs))
        path.unlink()
    return found


def test_worker_start_sends_statuses_to_the_event_task_and_messages_to_the_conversation(
    settings, broker_queue
):
    from fixi.celery import _recover_on_worker_start
    from fixi.celery import app as celery_app

    celery_app.loader.import_default_modules()  # every app's tasks, as a worker loads them
    rows = _rows_of_every_type()

    _recover_on_worker_start()
    started = _published(settings.BROKER_QUEUE_DIR)
    assert [task for task, _, _ in started] == [
        "messaging.requeue_unprocessed",
        "messaging.resend_due",
    ]
    task, args, kwargs = started[0]
    celery_app.tasks[task](*args, **kwargs)  # what the worker runs first

    requeued = {(task, tuple(args)) for task, args, _ in _published(settings.BROKER_QUEUE_DIR)}
    assert requeued == {
        (CONVERSATION, (str(rows["message"].pk),)),
        (CONVERSATION, (str(rows["call"].pk),)),
        (EVENTS, (str(rows["status"].pk),)),
        (EVENTS, (str(rows["state"].pk),)),
    }
