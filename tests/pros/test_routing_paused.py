"""Routing skips a pro on a break ("הפסקה"), at no extra query, and says so when nobody
else can take the job; a manager who names the pro may still give them a job."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fixi.vocabulary import IssueType
from pros.models import Pro
from pros.routing import claim_pro, eligible_pros, route
from tests.factories import CityFactory, ProFactory

pytestmark = pytest.mark.django_db

PLUMBING = IssueType.PLUMBING


@pytest.fixture
def haifa():
    return CityFactory(slug="haifa-paused", name_en="Haifa")


def plumber(city, **fields):
    return ProFactory(trades=[PLUMBING], cities=[city], **fields)


def test_a_paused_pro_is_not_eligible_however_good(haifa, business_settings):
    plumber(haifa, name="Best but paused", rating=5.0, review_count=500, paused_at=timezone.now())
    second = plumber(haifa, name="Second", rating=4.0, review_count=10)

    assert list(eligible_pros(haifa.pk, PLUMBING)) == [second]
    result = route(haifa.pk, PLUMBING)
    assert result.pro == second
    assert [c["name"] for c in result.reason["candidates"]] == ["Second"]


def test_when_every_pro_is_on_a_break_the_reason_says_so(haifa, business_settings):
    plumber(haifa, name="Paused", paused_at=timezone.now())

    result = route(haifa.pk, PLUMBING)

    assert result.pro is None
    assert (
        result.reason["why"]
        == "All active pros who serve Haifa for plumbing are on a break (paused)."
    )


def test_routing_costs_the_same_queries_with_paused_pros(haifa, business_settings):
    plumber(haifa, name="Free")
    with CaptureQueriesContext(connection) as without_paused:
        route(haifa.pk, PLUMBING)
    Pro.objects.update(current_load=0)
    for n in range(5):
        plumber(haifa, name=f"Paused {n}", rating=5.0, review_count=100, paused_at=timezone.now())

    with CaptureQueriesContext(connection) as with_paused:
        assert route(haifa.pk, PLUMBING).pro.name == "Free"

    assert len(with_paused) == len(without_paused)


def test_a_pro_who_paused_after_the_read_is_not_claimed_by_routing(haifa, business_settings):
    pro = plumber(haifa)
    Pro.objects.filter(pk=pro.pk).update(paused_at=timezone.now())

    assert claim_pro(pro.pk, skip_paused=True) is False
    assert Pro.objects.get(pk=pro.pk).current_load == 0
    # A manager's explicit choice (no skip_paused) may still take the pro.
    assert claim_pro(pro.pk) is True
