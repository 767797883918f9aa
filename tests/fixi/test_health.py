import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixi.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_touches_nothing(client):
    # No database fixture: pytest-django fails any query this request would make.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_database_and_broker(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_down(client, monkeypatch):
    # Nothing listens on port 1 of the loopback interface.
    for key in ("broker_url", "broker_write_url"):
        monkeypatch.setitem(celery_app.conf, key, "redis://127.0.0.1:1/0")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["problems"][0].startswith("broker:")


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    env = {**os.environ, "DATABASE_URL": "sqlite:////nonexistent-dir/fixi.sqlite3"}
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/readyz');"
        "print(r.status_code, r.json()['problems'][0].split(':')[0])"
    )

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.split() == ["503", "database"], result.stderr


def test_probes_answer_any_host_and_plain_http(client, settings):
    settings.ALLOWED_HOSTS = ["fixi.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz", HTTP_HOST="10.0.0.7")

    assert response.status_code == 200
