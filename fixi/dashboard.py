"""The admin dashboard's figures. Issue-by-issue this grows into the manager's home page."""

from django.db.models import Count
from django.utils import timezone

from fixi.models import Heartbeat
from leads.models import Lead, LeadStatus
from messaging.events import AUTHORIZED, instance_state
from messaging.models import InboundMessage, OutboundMessage, OutboundStatus, ProcessingState


def dashboard_callback(request, context):
    counts = dict(Lead.objects.values_list("status").annotate(n=Count("id")))
    now = timezone.now()
    state = instance_state()
    context.update(
        {
            "lead_counts": [(label, counts.get(value, 0)) for value, label in LeadStatus.choices],
            "heartbeats": [
                (beat.name, int((now - beat.seen_at).total_seconds()))
                for beat in Heartbeat.objects.all()
            ],
            "whatsapp_state": state[0] if state else None,
            "whatsapp_state_at": state[1] if state else None,
            "whatsapp_ok": state is None or state[0] == AUTHORIZED,
            "failed_outbound": OutboundMessage.objects.filter(
                status__in=[OutboundStatus.FAILED, OutboundStatus.NO_ACCOUNT]
            ).count(),
            "waiting_inbound": InboundMessage.objects.filter(
                state__in=[ProcessingState.PENDING, ProcessingState.PROCESSING]
            ).count(),
        }
    )
    return context
