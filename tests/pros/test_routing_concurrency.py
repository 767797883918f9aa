"""50 routings at once never push a pro over the cap, and one lead gets one pro.

Each thread routes on its own connection; claims are conditional updates, so the cap
holds with no transaction or lock (see pros.routing). Runs on both database lanes.
"""

import datetime as dt

import pytest
from django.utils import timezone

from fixi.vocabulary import IssueType
from leads import assignment
from leads.models import Lead, LeadStatus
from pros.models import Pro
from pros.routing import route
from scheduling.models import Slot
from tests.concurrency import in_threads
from tests.factories import CityFactory, LeadFactory, ProFactory, SlotFactory

pytestmark = pytest.mark.django_db(transaction=True)
PLUMBING = IssueType.PLUMBING


def test_fifty_concurrent_routings_fill_every_cap_and_never_pass_it():
    city = CityFactory(slug="haifa-race")
    caps = [1, 2, 3, 4, 5]  # 15 places for 50 routers
    pros = [
        ProFactory(trades=[PLUMBING], cities=[city], max_load=cap, rating=4.0 + i / 10)
        for i, cap in enumerate(caps)
    ]

    results = in_threads(50, lambda i: route(city.pk, PLUMBING))

    chosen = [result.pro.pk for result in results if result.pro is not None]
    assert len(chosen) == sum(caps)
    for pro, cap in zip(pros, caps, strict=True):
        assert Pro.objects.get(pk=pro.pk).current_load == cap
        assert chosen.count(pro.pk) == cap
    nobody = [result for result in results if result.pro is None]
    assert {result.reason["why"] for result in nobody} <= {
        "All active pros who serve City for plumbing are at their load cap.".replace(
            "City", city.name_en
        ),
        f"Every pro with a free place for {city.name_en} for plumbing was claimed by "
        "another routing first.",
    }


def test_one_lead_assigned_by_many_workers_at_once_gets_one_pro_and_one_slot():
    city = CityFactory(slug="haifa-race-2")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    # Caps wide enough that every worker finds a pro: the cap race is the test above.
    pros = [ProFactory(trades=[PLUMBING], cities=[city], max_load=20) for _ in range(3)]
    for pro in pros:
        SlotFactory(pro=pro, start=start, end=start + dt.timedelta(hours=1))
    lead = LeadFactory(
        status=LeadStatus.CONTACTED,
        city=city,
        full_address="Herzl 10",
        appointment_time=start + dt.timedelta(minutes=30),
    )

    outcomes = in_threads(20, lambda i: assignment.assign(lead.pk).outcome)

    assert outcomes.count(assignment.ASKED_PRO) == 1
    assert set(outcomes) == {assignment.ASKED_PRO, assignment.TAKEN}
    lead.refresh_from_db()
    assert lead.status == LeadStatus.AWAITING_PRO
    assert (
        sum(Pro.objects.filter(pk__in=[p.pk for p in pros]).values_list("current_load", flat=True))
        == 1
    )
    assert Pro.objects.get(pk=lead.pro_id).current_load == 1
    assert list(Slot.objects.filter(lead=lead).values_list("pro_id", flat=True)) == [lead.pro_id]
    assert Lead.objects.get(pk=lead.pk).events.filter(action="assigned").count() == 1
