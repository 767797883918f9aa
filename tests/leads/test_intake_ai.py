"""Whatever Gemini does, the customer is answered; what it understands lands on the lead."""

import pytest

from ai import gemini
from leads.conversation import process_inbound
from leads.models import Lead
from messaging import inbox
from messaging.models import OutboundMessage
from tests.fakes.gemini import MODELS
from tests.messaging import shapes

pytestmark = pytest.mark.django_db
TEXT = "המזגן בסלון מטפטף מים, אני בנתניה"
READING = {
    "city": "נתניה",
    "issue_type": "hvac",
    "urgent": False,
    "urgency_reason": "none",
    "language": "he",
    "summary": "מזגן מטפטף בסלון",
    "address": "",
    "requested_date": "",
    "requested_time": "",
    "time_of_day": "none",
    "customer_name": "",
    "transcript": "",
}


def deliver(text=TEXT):
    return process_inbound(inbox.ingest(shapes.text(text)).inbound_id)


def answered() -> str:
    return OutboundMessage.objects.get().text


def test_gemini_understands_and_the_lead_is_filled(fake_gemini):
    fake_gemini.fail(MODELS[0], 429)
    fake_gemini.respond(MODELS[1], READING)

    deliver()

    lead = Lead.objects.get()
    assert (lead.issue_type, lead.city.slug, lead.summary) == (
        "hvac",
        "netanya",
        READING["summary"],
    )
    assert "מה הכתובת" in answered()


@pytest.mark.parametrize(
    "break_every_model",
    [
        lambda fake, model: fake.fail(model, 429, times=None),
        lambda fake, model: fake.fail(model, 503, times=None),
        lambda fake, model: fake.respond_text(model, "this is not JSON"),
        lambda fake, model: fake.block(model),
        lambda fake, model: fake.fail(model, 404, times=None),
        lambda fake, model: fake.delay(model, 5),
    ],
    ids=["429", "503", "invalid-json", "blocked", "retired", "timeout"],
)
def test_with_every_model_failing_the_offline_path_still_answers(
    fake_gemini, break_every_model, monkeypatch
):
    monkeypatch.setattr(gemini, "REQUEST_TIMEOUT_SECONDS", 0.3)
    for model in MODELS:
        break_every_model(fake_gemini, model)

    assert deliver() == "asked"

    lead = Lead.objects.get()
    assert (lead.issue_type, lead.city.slug) == ("hvac", "netanya")
    assert answered().startswith("תודה Dana!")
    assert len(fake_gemini.calls()) == len(MODELS)  # each model was tried once


def test_a_bad_key_goes_offline_at_once_and_still_answers(fake_gemini, settings):
    settings.GEMINI_API_KEY = "wrong-key"

    deliver()

    assert len(fake_gemini.calls()) == 1
    assert "מה הכתובת" in answered()
