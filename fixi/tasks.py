import os
import socket

from celery import shared_task

from fixi.models import Heartbeat


@shared_task(name="fixi.heartbeat")
def heartbeat() -> None:
    """Beat sends it, a worker runs it: the row's age tells operators both are alive."""
    Heartbeat.beat("worker", detail=f"{socket.gethostname()} pid {os.getpid()}")
