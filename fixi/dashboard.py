"""The admin dashboard's figures."""

from django.db.models import Count
from django.utils import timezone

from fixi.models import Heartbeat
from leads.models import Lead, LeadStatus


def dashboard_callback(request, context):
    counts = dict(
        Lead.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    now = timezone.now()
    context.update(
        {
            "lead_counts": [(label, counts.get(value, 0)) for value, label in LeadStatus.choices],
            "heartbeats": [
                (beat.name, int((now - beat.seen_at).total_seconds()))
                for beat in Heartbeat.objects.all()
            ],
        }
    )
    return context
