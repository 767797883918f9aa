"""Settings come from the environment, refuse bad values, and are safe when unset."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(tmp_path, **env):
    """Import the settings in a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "FIXI"))}
    for name in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"):
        clean.pop(name, None)
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "fixi.settings"
    code = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'], len(settings.SECRET_KEY))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = load_settings(tmp_path, DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_generates_a_throwaway_key(tmp_path):
    result = load_settings(tmp_path, DEBUG="1")

    assert result.returncode == 0, result.stderr
    debug, engine, key_length = result.stdout.split()
    assert (debug, engine) == ("True", "django.db.backends.sqlite3")
    assert int(key_length) >= 50


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        (
            "SOS_TIMEOUT_MINUTES",
            "half an hour",
            "SOS_TIMEOUT_MINUTES='half an hour' is not a whole",
        ),
        ("MAX_PRO_LOAD", "0", "MAX_PRO_LOAD=0 must be at least 1"),
        ("DATABASE_URL", "postgres://db/fixi", "scheme 'postgres' is not supported"),
        ("GREEN_API_URL", "api.green-api.com", "must be a URL"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL='CHATTY'"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT='xml'"),
    ],
)
def test_bad_values_fail_loudly_naming_the_variable(tmp_path, name, value, message):
    result = load_settings(tmp_path, SECRET_KEY="k" * 60, **{name: value})

    assert result.returncode != 0
    assert message in result.stderr


def test_mongodb_url_selects_the_mongodb_backend(tmp_path):
    result = load_settings(tmp_path, SECRET_KEY="k" * 60, DATABASE_URL="mongodb://127.0.0.1:1/fixi")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "django_mongodb_backend"


def test_deploy_check_is_clean_with_production_environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    env.update(
        DEBUG="0",
        SECRET_KEY="p" * 20 + "-production-like-secret-" + "q" * 20,
        ALLOWED_HOSTS="fixi.example.com",
        CSRF_TRUSTED_ORIGINS="https://fixi.example.com",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_PRELOAD="1",
        DATABASE_URL="mongodb://127.0.0.1:1/fixi",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        GREEN_API_ID="1101000001",
        GREEN_API_TOKEN="token",
        GREEN_API_WEBHOOK_TOKEN="webhook-token",
        GEMINI_API_KEY="key",
        ADMIN_WHATSAPP="972500000000",
        CLOUDINARY_URL="cloudinary://614335564976464:api-secret@fixi",
        # Collected here, as the image collects them, not read from the checkout's var/.
        STATIC_ROOT=str(tmp_path / "static"),
    )

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert manage("collectstatic", "--noinput").returncode == 0
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_integrations_warn_and_name_the_fallback(settings):
    from django.core.checks import run_checks

    messages = {m.id: m.msg for m in run_checks(include_deployment_checks=False)}

    assert "outbox" in messages["fixi.W001"]
    assert "offline dispatcher" in messages["fixi.W010"]
    shown = [m for m in run_checks() if m.level >= 30 and not m.is_silenced()]
    assert all(m.id.startswith("fixi.W") for m in shown)


def test_time_language_and_hashing(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Asia/Jerusalem"
    assert [code for code, _ in settings.LANGUAGES] == ["he", "en"]
    assert settings.PASSWORD_HASHERS[0].endswith("BCryptSHA256PasswordHasher")


def test_deploy_check_warns_about_development_backends(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    env.update(DEBUG="0", SECRET_KEY="s" * 60, DATABASE_URL="sqlite:///" + str(tmp_path / "x"))
    env.pop("CELERY_BROKER_URL", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    output = result.stdout + result.stderr
    assert "fixi.W020" in output and "fixi.W021" in output
