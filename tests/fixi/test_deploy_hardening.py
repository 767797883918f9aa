"""What a production start refuses or turns on by itself: the webhook token, HTTPS-only
defaults, the static files manifest, and `check --deploy` clean with compose's environment."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KEY = "deploy-test-" + "k" * 50
SUBSTITUTION = re.compile(r"\$\{(?P<name>\w+)(?::(?P<op>[?-])(?P<rest>[^}]*))?\}")


def run(code: str, env: dict, *args: str) -> subprocess.CompletedProcess:
    """Python in a fresh interpreter with the given environment over a clean one."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO", "FIXI", "GREEN_API", "SECURE_", "GEMINI", "CLOUDINARY"))
    }
    for name in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "STATIC_ROOT"):
        clean.pop(name, None)
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "fixi.settings"
    command = [sys.executable, "-c", code] if code else [sys.executable, *args]
    return subprocess.run(
        command, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )


SHOW = (
    "import django; from django.conf import settings; django.setup(); print("
    "settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, "
    "settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
)
GREEN = {"GREEN_API_ID": "1101000001", "GREEN_API_TOKEN": "instance-token"}


def test_production_with_green_api_and_no_webhook_token_refuses_to_start():
    result = run(SHOW, {"DEBUG": "0", "SECRET_KEY": KEY, **GREEN})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "GREEN_API_WEBHOOK_TOKEN is not set" in result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"DEBUG": "1", **GREEN},  # development
        {"DEBUG": "0", "SECRET_KEY": KEY},  # no Green API: nothing can be impersonated
        {"DEBUG": "0", "SECRET_KEY": KEY, **GREEN, "GREEN_API_WEBHOOK_TOKEN": "w" * 40},
    ],
)
def test_starts_when_the_webhook_is_closed_or_nothing_is_exposed(env):
    result = run(SHOW, env)

    assert result.returncode == 0, result.stderr


def test_production_is_https_only_by_default():
    result = run(SHOW, {"DEBUG": "0", "SECRET_KEY": KEY})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "31536000"]


def test_plain_http_only_when_the_operator_says_so():
    said = run(SHOW, {"DEBUG": "0", "SECRET_KEY": KEY, "SECURE_SSL_REDIRECT": "0"})
    development = run(SHOW, {"DEBUG": "1"})

    assert said.stdout.split() == ["False", "False", "False", "0"]
    assert development.stdout.split() == ["False", "False", "False", "0"]


CHECK = (
    "import django, sys; django.setup();"
    "from django.core.management import call_command;"
    "call_command('check', *sys.argv[1:])"
)


def check(env: dict, *args: str) -> subprocess.CompletedProcess:
    return run("", env, "-c", CHECK, *args)


def test_without_collected_static_files_check_names_the_manifest_and_the_command(tmp_path):
    env = {"DEBUG": "0", "SECRET_KEY": KEY, "STATIC_ROOT": str(tmp_path)}

    plain = check(env)
    deploy = check(env, "--deploy")

    assert plain.returncode == 0, plain.stderr  # a warning: tests and local runs go on
    assert "fixi.W040" in plain.stderr and "staticfiles.json" in plain.stderr
    assert "collectstatic --noinput" in plain.stderr
    assert deploy.returncode != 0
    assert "fixi.E040" in deploy.stderr


def compose_environment(static_root: Path) -> dict:
    """The web service's environment from compose.yaml, with an operator's .env: every
    `${VAR:?…}` given a value, every `${VAR:-default}` left at its default."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    dot_env = {
        "SECRET_KEY": KEY,
        "GREEN_API_WEBHOOK_TOKEN": "w" * 40,
        "ALLOWED_HOSTS": "fixi.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://fixi.example.com",
        "GREEN_API_ID": "1101000001",
        "GREEN_API_TOKEN": "instance-token",
        "GEMINI_API_KEY": "gemini-key",
        "CLOUDINARY_URL": "cloudinary://123:secret@fixi",
        "ADMIN_WHATSAPP": "972501234567",
    }

    def resolve(value: str) -> str:
        def one(m):
            if m["name"] in dot_env:
                return dot_env[m["name"]]
            assert m["op"] != "?", f"compose requires {m['name']}; give it a value here"
            return m["rest"] if m["op"] == "-" else ""

        return SUBSTITUTION.sub(one, str(value))

    environment = {
        name: resolve(value) for name, value in compose["services"]["web"]["environment"].items()
    }
    return {**dot_env, **environment, "STATIC_ROOT": str(static_root)}


def test_compose_requires_the_webhook_token_and_https():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    for name in ("web", "worker", "beat", "migrate"):
        environment = compose["services"][name]["environment"]
        assert environment["GREEN_API_WEBHOOK_TOKEN"].startswith("${GREEN_API_WEBHOOK_TOKEN:?")
        assert environment["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-1}"


def test_check_deploy_with_the_compose_environment_says_nothing(tmp_path):
    env = compose_environment(tmp_path)
    collected = run("", env, "manage.py", "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr

    result = check(env, "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr
    assert "System check identified no issues" in result.stdout
