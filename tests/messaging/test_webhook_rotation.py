"""Rotating the webhook token without refusals: the previous token is accepted beside the
new one while Green API switches, and every use of it is logged."""

import json
import logging

import pytest

from messaging.models import InboundMessage
from tests.fixi.test_settings import load_settings
from tests.messaging import shapes

NEW, OLD = "new-webhook-token-2f9c", "old-webhook-token-77ab"


def post(client, token, scheme="Bearer"):
    return client.post(
        "/webhook",
        data=json.dumps(shapes.text()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"{scheme} {token}",
    )


@pytest.fixture
def rotating(settings):
    settings.GREEN_API_WEBHOOK_TOKEN = NEW
    settings.GREEN_API_WEBHOOK_TOKEN_PREVIOUS = OLD


def warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "messaging.webhook" and r.levelno == logging.WARNING
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["Bearer", "Basic"])
def test_during_a_rotation_the_previous_token_is_accepted_and_logged(
    client, rotating, caplog, scheme
):
    assert post(client, OLD, scheme).status_code == 200

    assert InboundMessage.objects.count() == 1
    [warning] = warnings(caplog)
    assert "GREEN_API_WEBHOOK_TOKEN_PREVIOUS" in warning and OLD not in warning


@pytest.mark.django_db
def test_the_new_token_is_accepted_without_a_warning(client, rotating, caplog):
    assert post(client, NEW).status_code == 200

    assert InboundMessage.objects.count() == 1 and warnings(caplog) == []


@pytest.mark.django_db
@pytest.mark.parametrize("presented", ["", OLD + "x", OLD[:-1], "third-token", NEW + OLD])
def test_any_other_token_is_still_refused(client, rotating, presented):
    assert post(client, presented).status_code == 401
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_once_the_rotation_is_over_the_previous_token_is_refused(client, settings):
    settings.GREEN_API_WEBHOOK_TOKEN = NEW
    settings.GREEN_API_WEBHOOK_TOKEN_PREVIOUS = ""

    assert post(client, OLD).status_code == 401
    assert post(client, NEW).status_code == 200


def test_a_previous_token_without_a_current_one_refuses_to_start(tmp_path):
    result = load_settings(tmp_path, DEBUG="1", GREEN_API_WEBHOOK_TOKEN_PREVIOUS=OLD)

    assert result.returncode != 0
    assert "GREEN_API_WEBHOOK_TOKEN_PREVIOUS is set but GREEN_API_WEBHOOK_TOKEN is not" in (
        result.stderr
    )


def test_the_previous_token_is_read_from_the_environment(tmp_path):
    result = load_settings(
        tmp_path, DEBUG="1", GREEN_API_WEBHOOK_TOKEN=NEW, GREEN_API_WEBHOOK_TOKEN_PREVIOUS=OLD
    )

    assert result.returncode == 0, result.stderr
