"""Hands stored webhooks to the broker from a thread of the web process, off the request.

The webhook commits its row and answers; the row's id is then sent to the broker by this
process's publisher thread, at once, while the request thread goes on to the next
request. Green API gets its 200 without waiting on the broker, and the broker's cost is
paid outside the request: several ids that arrive together go out in one batch (one Redis
round trip; the filesystem broker writes one file each), and each message is built by
Celery's own message functions without `send_task`'s per-call configuration look-ups and
result plumbing, which cost about twice the rest of the publish (docs/BENCHMARKS.md,
"Webhook ingest").

What holds, and why nothing is lost:

- An id is submitted only once its row is committed (`inbox.ingest` submits from
  `on_commit`), and the thread publishes it as soon as it is taken from the queue: one
  message per submitted id, in the order of submission.
- A row whose publish fails (broker down or silent), that finds the queue full, or that is
  still queued when the process is killed stays `pending`. The recovery sweep
  (`inbox.requeue_unprocessed`: beat every 2 minutes, and each worker as it starts)
  enqueues every pending row older than a minute, so the row is handed on later, never
  dropped. A publish of uncertain outcome can make a second message for a row; the
  processing task claims its row with a conditional update, so it still runs once.
- A process that exits normally (gunicorn's graceful stop or restart, a command that
  returns) first publishes what is queued, for at most EXIT_FLUSH_SECONDS.
- Per process: a forked child starts with an empty queue and no thread of its own; the
  parent keeps publishing what it had queued.
"""

import atexit
import contextlib
import logging
import os
import queue
import threading

from celery.utils import uuid

from fixi.celery import app as celery_app

log = logging.getLogger(__name__)

BATCH_SIZE = 100  # ids per round trip at most
MAX_QUEUED = 10_000  # ids waiting at most; past that, rows wait for the recovery sweep
EXIT_FLUSH_SECONDS = 5.0  # well inside gunicorn's 30 s graceful timeout
_STOP = object()


class Publisher:
    """One per process (`publisher` below): `submit` queues, a daemon thread publishes."""

    def __init__(self, app=celery_app):
        self.app = app
        self._exit_registered = False
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # In a forked child the parents' connections stay referenced: closing one here
        # could shut down a socket a parent still uses.
        self._inherited = [*getattr(self, "_inherited", []), getattr(self, "_connection", None)]
        self._queue = queue.SimpleQueue()
        self._thread = None
        self._start_lock = threading.Lock()
        self._progress = threading.Condition()
        self._submitted = 0
        self._handled = 0
        self._connection = None
        self._producer = None
        self._routes = {}

    # --- The request side ---------------------------------------------------------------

    def submit(self, task: str, inbound_id) -> bool:
        """Queue one committed row's id for `task`; False when it was left to the sweep."""
        with self._progress:
            if self._submitted - self._handled >= MAX_QUEUED:
                log.warning(
                    "publisher queue full: inbound message %s waits for the recovery sweep",
                    inbound_id,
                )
                return False
            self._submitted += 1
        self._queue.put((task, str(inbound_id)))
        if not self._ensure_thread():
            # No thread can start (the interpreter is shutting down): publish here.
            self._publish(self._drain())
        return True

    def flush(self, timeout: float) -> bool:
        """Wait until every id submitted so far is published or given up; False when
        `timeout` seconds were not enough."""
        with self._progress:
            target = self._submitted
            return self._progress.wait_for(lambda: self._handled >= target, timeout)

    def waiting(self) -> int:
        with self._progress:
            return self._submitted - self._handled

    def _ensure_thread(self) -> bool:
        if self._thread is not None:
            return True
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="fixi-publisher", daemon=True)
                try:
                    thread.start()
                except RuntimeError:
                    return False
                self._thread = thread
                if not self._exit_registered:
                    atexit.register(self._at_exit)
                    self._exit_registered = True
        return True

    def _at_exit(self) -> None:
        if self._thread is None:
            return  # nothing was submitted in this process
        if not self.flush(EXIT_FLUSH_SECONDS):
            log.warning(
                "process exiting with %d inbound messages not enqueued; "
                "the recovery sweep will enqueue them",
                self.waiting(),
            )
        self._queue.put(_STOP)

    # --- The publisher thread -----------------------------------------------------------

    def _run(self) -> None:
        while True:
            batch = self._drain()
            stop = _STOP in batch
            self._publish([item for item in batch if item is not _STOP])
            if stop:
                self._close()
                return

    def _drain(self) -> list:
        """The next item (waiting for it), with whatever else is queued, up to BATCH_SIZE."""
        batch = [self._queue.get()]
        while len(batch) < BATCH_SIZE:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _publish(self, batch: list) -> None:
        if not batch:
            return
        try:
            # A connection that went away since the last batch (a broker restart) fails
            # once: the batch is tried again on a new one. A new connection that fails
            # (kombu already retried connecting for broker_connection_timeout) leaves the
            # rows to the recovery sweep.
            for attempt in (1, 2):
                reused = self._producer is not None
                try:
                    self._send_batch(batch)
                    return
                except Exception:
                    self._close()
                    if attempt == 2 or not reused:
                        log.warning(
                            "could not enqueue %d inbound messages (%s); the recovery sweep will",
                            len(batch),
                            ", ".join(inbound_id for _, inbound_id in batch[:5]),
                            exc_info=True,
                        )
                        return
        finally:
            with self._progress:
                self._handled += len(batch)
                self._progress.notify_all()

    def _send_batch(self, batch: list) -> None:
        producer = self._connect()
        batched = getattr(producer, "batch", None)  # kombu >= 5.7: a Redis pipeline
        with batched() if batched else contextlib.nullcontext():
            for task, inbound_id in batch:
                self._send(producer, task, inbound_id)

    def _send(self, producer, task: str, inbound_id: str) -> None:
        """The message `send_task(task, args=[inbound_id])` would send, built by the same
        Celery functions, routed as Celery routes it."""
        amqp = self.app.amqp
        args = [inbound_id]
        message = amqp.create_task_message(
            uuid(),
            task,
            args,
            {},
            argsrepr=repr(args),
            kwargsrepr="{}",
            ignore_result=self._ignore_result,
        )
        amqp.send_task_message(producer, task, message, retry=False, **self._route(task))

    def _route(self, task: str) -> dict:
        if task not in self._routes:
            self._routes[task] = self.app.amqp.router.route({}, task)
        return self._routes[task]

    def _connect(self):
        if self._producer is None:
            self._connection = self.app.connection_for_write()
            self._producer = self.app.amqp.Producer(self._connection, auto_declare=False)
            self._ignore_result = self.app.conf.task_ignore_result
        return self._producer

    def _close(self) -> None:
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.release()


publisher = Publisher()
