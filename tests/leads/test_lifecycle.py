import threading

import pytest
from django.db import connection

from leads import lifecycle
from leads.models import Actor, Lead, LeadEvent, LeadStatus
from tests.factories import LeadFactory

S = LeadStatus


@pytest.mark.django_db
def test_a_transition_moves_the_lead_and_says_who_what_and_why():
    lead = LeadFactory(status=S.NEW)

    moved = lifecycle.transition(
        lead.pk,
        [S.NEW, S.CONTACTED],
        S.AWAITING_PRO,
        actor=Actor.BOT,
        action="pro asked",
        reason="best plumber in Haifa",
        actor_name="Fixi",
    )

    assert moved
    lead.refresh_from_db()
    assert lead.status == S.AWAITING_PRO
    event = LeadEvent.objects.get(lead=lead)
    assert (event.actor, event.action, event.from_status, event.to_status, event.reason) == (
        Actor.BOT,
        "pro asked",
        S.NEW,
        S.AWAITING_PRO,
        "best plumber in Haifa",
    )


@pytest.mark.django_db
def test_a_lead_no_longer_in_the_expected_state_is_left_alone():
    lead = LeadFactory(status=S.CANCELLED)

    assert not lifecycle.transition(
        lead.pk, [S.AWAITING_PRO], S.BOOKED, actor=Actor.PRO, action="approved"
    )
    assert Lead.objects.get(pk=lead.pk).status == S.CANCELLED
    assert not LeadEvent.objects.exists()


@pytest.mark.parametrize(("start", "end"), [(S.COMPLETED, S.BOOKED), (S.NEW, S.COMPLETED)])
def test_transitions_outside_the_machine_are_refused(start, end):
    with pytest.raises(lifecycle.IllegalTransition):
        lifecycle.transition("any", [start], end, actor=Actor.ADMIN, action="x")


@pytest.mark.django_db(transaction=True)
def test_two_racing_actors_make_one_change_and_one_event():
    lead = LeadFactory(status=S.AWAITING_PRO)
    results = []
    barrier = threading.Barrier(8)

    def approve():
        barrier.wait()
        try:
            results.append(
                lifecycle.transition(
                    lead.pk, [S.AWAITING_PRO], S.BOOKED, actor=Actor.PRO, action="approved"
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count(True) == 1
    assert LeadEvent.objects.filter(lead=lead, action="approved").count() == 1
