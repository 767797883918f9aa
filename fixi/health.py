"""Liveness and readiness probes for load balancers, compose and operators."""

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fixi.celery import app as celery_app
from fixi.models import Heartbeat


@never_cache
@require_GET
def healthz(request):
    """The process answers. Touches nothing else, so it stays cheap under any load."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        connections["default"].ensure_connection()
        Heartbeat.objects.exists()
    except Exception as error:  # any driver's error means "not ready"
        return f"database: {error.__class__.__name__}: {error}"[:300]
    return None


def _check_broker() -> str | None:
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # kombu raises transport-specific errors
        return f"broker: {error.__class__.__name__}: {error}"[:300]
    return None


def _heartbeats() -> dict:
    now = timezone.now()
    return {
        beat.name: {"seconds_ago": int((now - beat.seen_at).total_seconds()), "detail": beat.detail}
        for beat in Heartbeat.objects.all()
    }


@never_cache
@require_GET
def readyz(request):
    """Database and broker reachable: 200, else 503 naming what is down."""
    problems = [p for p in (_check_database(), _check_broker()) if p]
    body = {
        "status": "unavailable" if problems else "ok",
        "problems": problems,
        "broker": "embedded" if settings.USING_EMBEDDED_BROKER else "redis",
        "database": "mongodb" if settings.USING_MONGODB else "sqlite",
    }
    if not problems:
        # Informational: a stopped worker does not make the web process unready.
        body["heartbeats"] = _heartbeats()
    return JsonResponse(body, status=503 if problems else 200)
