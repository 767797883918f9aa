import pytest

from leads.models import AppendOnlyError, LeadEvent, LeadStatus
from tests.factories import LeadFactory


@pytest.mark.django_db
def test_lead_events_are_append_only():
    lead = LeadFactory()
    event = LeadEvent.objects.create(
        lead=lead, actor="bot", action="created", to_status=LeadStatus.NEW, reason="first message"
    )

    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert LeadEvent.objects.get(pk=event.pk).reason == "first message"


@pytest.mark.django_db
def test_open_lead_statuses():
    assert LeadFactory(status=LeadStatus.BOOKED).is_open
    assert not LeadFactory(status=LeadStatus.COMPLETED).is_open
