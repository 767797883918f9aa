"""What a production start refuses or turns on by itself: the webhook token, HTTPS-only
defaults, the static files manifest, and the variable names of the original deployment.

Settings are read once per process, so each case imports them in a fresh interpreter with
exactly the environment it names (tests/fixi/test_settings.py does the same)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parents[2]
KEY = "deploy-test-" + "k" * 50
GREEN = {"GREEN_API_ID": "1101000001", "GREEN_API_TOKEN": "instance-token"}
# Said out loud as empty, so neither the test run's environment nor a developer's .env
# (read by the settings for what the environment leaves unset) can change the case.
UNSET = dict.fromkeys(
    (
        "GREEN_API_ID",
        "GREEN_API_TOKEN",
        "GREEN_API_WEBHOOK_TOKEN",
        "MONGO_URI",
        "CLOUDINARY_URL",
        "CLOUDINARY_CLOUD_NAME",
        "CLOUDINARY_API_KEY",
        "CLOUDINARY_API_SECRET",
        "DJANGO_SUPERUSER_PASSWORD",
        "ADMIN_PASSWORD",
    ),
    "",
)
DROPPED = ("DJANGO", "FIXI", "SECURE_", "SESSION_COOKIE", "CSRF_COOKIE", "DEBUG", "SECRET_KEY")
DROPPED += ("DATABASE_URL", "CELERY_BROKER_URL", "STATIC_ROOT")


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    """`python *args` in a fresh interpreter, with `env` over a clean environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED)}
    clean.update(UNSET, DATABASE_URL=f"sqlite:///{ROOT / 'var' / 'test-unused.sqlite3'}")
    clean.update(env, DJANGO_SETTINGS_MODULE="fixi.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


# Reading a setting loads the settings module, which is all these cases need: no app is
# loaded, so each case takes a fraction of a `django.setup()`.
SHOW = (
    "import json, sys; from django.conf import settings; settings.DEBUG;"
    "print(json.dumps({n: getattr(settings, n, None) for n in sys.argv[1:]}, default=str))"
)


def settings_of(env: dict, *names: str) -> dict:
    result = run(env, "-c", SHOW, *names)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refusal(env: dict) -> str:
    """The message a start with `env` stops with."""
    result = run(env, "-c", SHOW)
    assert result.returncode != 0, "the settings loaded"
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr.strip().splitlines()[-1]


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": KEY}


# --- The webhook token -----------------------------------------------------------------


def test_production_with_green_api_and_no_webhook_token_refuses_to_start():
    message = refusal({**PRODUCTION, **GREEN})

    assert "GREEN_API_WEBHOOK_TOKEN is not set" in message


@pytest.mark.parametrize(
    "env",
    [
        {"DEBUG": "1", **GREEN},  # development
        PRODUCTION,  # no Green API: the business number cannot be made to send anything
        {**PRODUCTION, **GREEN, "GREEN_API_WEBHOOK_TOKEN": "w" * 40},
    ],
    ids=["development", "no-green-api", "token-set"],
)
def test_starts_when_the_webhook_is_closed_or_nothing_is_exposed(env):
    assert settings_of(env, "DEBUG")


# --- HTTPS -----------------------------------------------------------------------------

HTTPS = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
HSTS = ("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS")


def test_production_is_https_only_by_default():
    shown = settings_of(PRODUCTION, *HTTPS, *HSTS)

    assert [shown[name] for name in HTTPS] == [True, True, True]
    assert shown["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert shown["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True


@pytest.mark.parametrize(
    "env", [{**PRODUCTION, "SECURE_SSL_REDIRECT": "0"}, {"DEBUG": "1"}], ids=["said", "debug"]
)
def test_plain_http_only_when_the_operator_says_so_or_in_development(env):
    shown = settings_of(env, *HTTPS, "SECURE_HSTS_SECONDS")

    assert list(shown.values()) == [False, False, False, 0]


@pytest.mark.parametrize(
    ("env", "trusted"),
    [
        ({}, False),  # HTTPS by default says nothing about a proxy in front
        ({"SECURE_SSL_REDIRECT": "1"}, True),  # what SECURE_SSL_REDIRECT=1 always meant
        ({"SECURE_PROXY_SSL_HEADER": "1"}, True),
        ({"SECURE_SSL_REDIRECT": "1", "SECURE_PROXY_SSL_HEADER": "0"}, False),
    ],
)
def test_x_forwarded_proto_is_trusted_only_when_the_operator_says_a_proxy_sets_it(env, trusted):
    shown = settings_of({**PRODUCTION, **env}, "SECURE_PROXY_SSL_HEADER")

    assert (shown["SECURE_PROXY_SSL_HEADER"] is not None) is trusted


CHECK = (
    "import sys, django; django.setup(); from django.core.management import call_command;"
    "call_command('check', *sys.argv[1:])"
)


def test_hsts_preload_is_asked_for_until_the_operator_decides(tmp_path):
    env = {
        **PRODUCTION,
        "ALLOWED_HOSTS": "fixi.example.com",
        "STATIC_ROOT": str(tmp_path),
        "SECURE_PROXY_SSL_HEADER": "1",
    }

    undecided = run(env, "-c", CHECK, "--deploy")
    decided = run({**env, "SECURE_HSTS_PRELOAD": "0"}, "-c", CHECK, "--deploy")

    assert "security.W021" in undecided.stderr
    assert "security.W021" not in decided.stderr


# --- Static files ----------------------------------------------------------------------


def test_without_collected_static_files_check_names_the_manifest_and_the_command(tmp_path):
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path)}

    plain = run(env, "-c", CHECK)
    deploy = run(env, "-c", CHECK, "--deploy")

    assert plain.returncode == 0, plain.stderr  # a warning: local runs and migrations go on
    assert "fixi.W040" in plain.stderr and "fixi.E040" not in plain.stderr
    assert str(tmp_path / "staticfiles.json") in plain.stderr
    assert "python manage.py collectstatic --noinput" in plain.stderr
    assert deploy.returncode != 0  # an error: the deployment check fails
    assert "fixi.E040" in deploy.stderr
    assert "python manage.py collectstatic --noinput" in deploy.stderr


def test_development_serves_static_files_without_a_manifest(tmp_path):
    # After collectstatic the check is quiet too: test_deploy_files.py's compose case.
    development = run({"DEBUG": "1", "STATIC_ROOT": str(tmp_path)}, "-c", CHECK)

    assert development.returncode == 0, development.stderr
    assert "fixi.W040" not in development.stderr


# --- The original deployment's variable names ------------------------------------------

ATLAS = "mongodb+srv://fixi:atlas-password@cluster0.example.mongodb.net/shop?retryWrites=true"


def test_mongo_uri_is_read_as_database_url():
    shown = settings_of({"DEBUG": "1", "DATABASE_URL": "", "MONGO_URI": ATLAS}, "DATABASES")

    database = shown["DATABASES"]["default"]
    assert database["ENGINE"] == "django_mongodb_backend"
    assert (database["HOST"], database["NAME"]) == (ATLAS, "shop")


def test_mongo_uri_equal_to_database_url_is_accepted():
    shown = settings_of({"DEBUG": "1", "DATABASE_URL": ATLAS, "MONGO_URI": ATLAS}, "USING_MONGODB")

    assert shown["USING_MONGODB"] is True


def test_mongo_uri_and_a_different_database_url_refuse_to_start_naming_both():
    message = refusal({"DEBUG": "1", "DATABASE_URL": "sqlite:///x.db", "MONGO_URI": ATLAS})

    assert "DATABASE_URL and MONGO_URI are both set" in message
    assert "atlas-password" not in message


def test_mongo_uri_that_is_not_mongodb_refuses_to_start_naming_it():
    message = refusal({"DEBUG": "1", "DATABASE_URL": "", "MONGO_URI": "postgres://db/fixi"})

    assert "MONGO_URI scheme 'postgres'" in message


CLOUDINARY = {
    "CLOUDINARY_CLOUD_NAME": "fixi-media",
    "CLOUDINARY_API_KEY": "614335564976464",
    "CLOUDINARY_API_SECRET": "se/cret:with@signs",
}
ACCOUNT = (
    "from messaging import cloudinary;"
    "a = cloudinary.account(); print(a.cloud_name, a.api_key, a.api_secret)"
)


def test_cloudinary_account_from_its_three_variables():
    result = run({"DEBUG": "1", **CLOUDINARY}, "-c", ACCOUNT)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["fixi-media", "614335564976464", "se/cret:with@signs"]


def test_cloudinary_url_and_the_same_account_in_three_variables_are_accepted():
    url = "cloudinary://614335564976464:se%2Fcret%3Awith%40signs@fixi-media"
    shown = settings_of({"DEBUG": "1", "CLOUDINARY_URL": url, **CLOUDINARY}, "CLOUDINARY_URL")

    assert shown["CLOUDINARY_URL"] == url


def test_cloudinary_url_and_another_account_refuse_to_start_naming_both():
    url = "cloudinary://111:other-secret@another-cloud"

    message = refusal({"DEBUG": "1", "CLOUDINARY_URL": url, **CLOUDINARY})

    assert "CLOUDINARY_URL and CLOUDINARY_CLOUD_NAME/_API_KEY/_API_SECRET" in message
    assert "other-secret" not in message and "se/cret" not in message


def test_part_of_a_cloudinary_account_refuses_to_start_naming_what_is_missing():
    message = refusal({"DEBUG": "1", "CLOUDINARY_CLOUD_NAME": "fixi-media"})

    assert "CLOUDINARY_API_KEY, CLOUDINARY_API_SECRET not set" in message


def test_admin_password_and_a_different_superuser_password_refuse_to_start():
    env = {"DEBUG": "1", "DJANGO_SUPERUSER_PASSWORD": "one-Password-1", "ADMIN_PASSWORD": "two"}

    message = refusal(env)

    assert "DJANGO_SUPERUSER_PASSWORD and ADMIN_PASSWORD are both set" in message
    assert "one-Password-1" not in message


@pytest.fixture
def admin_env(monkeypatch, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    for name in ("DJANGO_SUPERUSER_USERNAME", "DJANGO_SUPERUSER_PASSWORD", "ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def sign_in(username: str, password: str):
    return authenticate(
        RequestFactory().post("/admin/login/"), username=username, password=password
    )


def test_ensure_admin_takes_admin_password_for_the_admin_user(db, admin_env):
    admin_env.setenv("ADMIN_PASSWORD", "Seed-Password-42")
    out = io.StringIO()

    call_command("ensure_admin", stdout=out)

    user = sign_in("admin", "Seed-Password-42")
    assert user is not None and user.is_superuser
    assert "admin (created from the environment)" in out.getvalue()


def test_ensure_admin_refuses_two_different_passwords_naming_both(db, admin_env):
    admin_env.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    admin_env.setenv("DJANGO_SUPERUSER_PASSWORD", "Env-Password-42")
    admin_env.setenv("ADMIN_PASSWORD", "Seed-Password-42")

    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD and ADMIN_PASSWORD"):
        call_command("ensure_admin", stdout=io.StringIO())

    assert sign_in("ops", "Env-Password-42") is None
