"""The load test (`python -m bench.load`): its small run end to end, and its checks.

The small run is the same code as the full benchmark (gunicorn, two workers, beat, the
fakes, one worker killed and restarted mid-run) with 20 customers, on the lane's Redis, in
its own SQLite file; the lane's own worker, if one is running, stops taking tasks
meanwhile, so that it cannot take the run's. It runs in the e2e lane.

The checks are what makes the run worth anything, so each invariant is shown to count a
break made on purpose, on both database lanes.
"""

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from django.utils import timezone

from bench.load import INVARIANTS, invariants
from leads.models import Actor, LeadEvent, LeadStatus
from messaging.models import (
    InboundMessage,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    ProcessingState,
)
from tests.e2e.conftest import ROOT, require_e2e_lane
from tests.factories import InboundMessageFactory, LeadFactory, ProFactory, SlotFactory

CUSTOMERS = 20


@contextlib.contextmanager
def lane_workers_paused():
    from fixi.celery import app

    others = [name for reply in app.control.ping(timeout=0.5) for name in reply]
    if others:
        app.control.cancel_consumer("celery", destination=others, reply=True)
    try:
        yield
    finally:
        if others:
            app.control.add_consumer("celery", destination=others, reply=True)


@pytest.mark.e2e
def test_twenty_customers_through_whole_conversations_lose_nothing(tmp_path):
    require_e2e_lane()
    command = [
        *(sys.executable, "-m", "bench.load", "--customers", str(CUSTOMERS)),
        *("--seconds", "30", "--window", "1", "--kill-at", "0.3"),
        *("--recovery-every", "5", "--drain", "40", "--json"),
        *("--database", str(tmp_path / "load.sqlite3")),
    ]
    env = {**os.environ, "REDIS_URL": os.environ["CELERY_BROKER_URL"]}
    with lane_workers_paused():
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
        )
    assert done.stdout.strip(), done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    broken = {name: result[name] for name in INVARIANTS if result[name]}
    assert not broken, json.dumps(result["details"], ensure_ascii=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert result["customers"] == CUSTOMERS
    assert result["customers_replied"] == CUSTOMERS
    assert result["turns"] >= CUSTOMERS and result["program_errors"] == 0
    assert result["kill"]["processes"] >= 2  # the worker and its pool, killed mid-run
    assert result["details"]["lost"]["accepted"] > CUSTOMERS * 3


# --- The checks, each against a break made on purpose -----------------------------------


CUSTOMER = "972549000001@c.us"


def checked(accepted=(), in_flight=(), received=()) -> dict:
    return invariants(set(accepted), {"in_flight": set(in_flight)}, list(received))["invariants"]


def event(lead, to_status, from_status=""):
    return LeadEvent.objects.create(
        lead=lead, actor=Actor.BOT, action="moved", from_status=from_status, to_status=to_status
    )


@pytest.fixture
def booked():
    """A consistent business: a pro at the cap of 1 with the one job it was asked about,
    the job's slot, its events, the customer's message processed and the reply sent."""
    pro = ProFactory(max_load=1)
    pro.__class__.objects.filter(pk=pro.pk).update(current_load=1)
    lead = LeadFactory(customer__chat_id=CUSTOMER, status=LeadStatus.AWAITING_PRO, pro=pro)
    event(lead, LeadStatus.NEW)
    event(lead, LeadStatus.AWAITING_PRO, LeadStatus.NEW)
    SlotFactory(pro=pro, lead=lead, booked_at=timezone.now())
    InboundMessageFactory(
        provider_message_id="LOAD1", chat_id=CUSTOMER, state=ProcessingState.DONE, attempts=1
    )
    OutboundMessage.objects.create(chat_id=CUSTOMER, text="hi", status=OutboundStatus.SENT)
    offer = f"offer:{lead.pk}"
    OutboundMessage.objects.create(
        chat_id=pro.chat_id,
        kind=OutboundKind.BUTTONS,
        text="job?",
        buttons=[{"id": f"approve:{lead.pk}", "text": "אשר"}],
        topic=offer,
        status=OutboundStatus.SENT,
    )
    # The customer's photo follows the offer, under its topic.
    OutboundMessage.objects.create(
        chat_id=pro.chat_id,
        kind=OutboundKind.FILE,
        text="photo",
        file_url="https://example.com/a.jpg",
        topic=offer,
        status=OutboundStatus.SENT,
    )
    return lead


ALL_SENT = [(CUSTOMER, "hi")]


@pytest.mark.django_db
def test_a_consistent_business_breaks_no_invariant(booked):
    received = [*ALL_SENT, (booked.pro.chat_id, "job?"), (booked.pro.chat_id, "photo")]
    assert checked(["LOAD1"], received=received) == dict.fromkeys(INVARIANTS, 0)


@pytest.mark.django_db
def test_a_message_answered_200_and_not_processed_is_lost(booked):
    InboundMessageFactory(provider_message_id="LOAD2", state=ProcessingState.PENDING)
    InboundMessageFactory(provider_message_id="LOAD3", state=ProcessingState.FAILED)

    figures = checked(["LOAD1", "LOAD2", "LOAD3", "LOAD4"], received=ALL_SENT)

    assert figures["lost"] == 3  # waiting, failed, and one never stored


@pytest.mark.django_db
def test_a_second_claim_is_processing_twice_unless_the_killed_worker_held_the_first(booked):
    InboundMessage.objects.filter(provider_message_id="LOAD1").update(attempts=2)
    held = InboundMessage.objects.get(provider_message_id="LOAD1").pk

    assert checked(["LOAD1"], received=ALL_SENT)["processed_twice"] == 1
    assert checked(["LOAD1"], in_flight=[held], received=ALL_SENT)["processed_twice"] == 0


@pytest.mark.django_db
def test_a_pro_asked_twice_about_one_lead_is_processing_twice(booked):
    OutboundMessage.objects.create(
        chat_id=booked.pro.chat_id,
        kind=OutboundKind.BUTTONS,
        text="job?",
        buttons=[{"id": f"approve:{booked.pk}", "text": "אשר"}],
        topic=f"offer:{booked.pk}",
    )

    assert checked(["LOAD1"], received=ALL_SENT)["processed_twice"] == 1


@pytest.mark.django_db
def test_a_message_green_api_received_more_often_than_queued_is_a_duplicate_send(booked):
    figures = checked(["LOAD1"], received=[*ALL_SENT, *ALL_SENT, (CUSTOMER, "never queued")])

    assert figures["duplicate_sends"] == 2


@pytest.mark.django_db
def test_a_lead_with_two_slots_is_double_booked(booked):
    SlotFactory(pro=booked.pro, lead=booked, booked_at=timezone.now())

    assert checked(["LOAD1"], received=ALL_SENT)["double_booked"] == 1


@pytest.mark.django_db
def test_two_bookings_of_one_pro_at_overlapping_times_are_double_booked(booked):
    slot = booked.slots.get()
    other = LeadFactory(status=LeadStatus.AWAITING_PRO)
    event(other, LeadStatus.AWAITING_PRO)
    SlotFactory(
        pro=booked.pro,
        lead=other,
        start=slot.start + dt.timedelta(minutes=30),
        end=slot.end + dt.timedelta(minutes=30),
    )

    assert checked(["LOAD1"], received=ALL_SENT)["double_booked"] == 1


@pytest.mark.django_db
def test_a_pro_with_more_open_jobs_than_the_cap_is_over_it(booked):
    other = LeadFactory(status=LeadStatus.CONTACTED, pro=booked.pro)
    event(other, LeadStatus.CONTACTED)

    assert checked(["LOAD1"], received=ALL_SENT)["over_cap"] == 1


@pytest.mark.django_db
def test_a_lead_with_no_event_or_off_its_trail_has_no_event_trail(booked):
    LeadFactory()  # no event at all
    booked.__class__.objects.filter(pk=booked.pk).update(status=LeadStatus.BOOKED)  # no event

    assert checked(["LOAD1"], received=ALL_SENT)["without_events"] == 2
