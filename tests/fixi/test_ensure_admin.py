import io
import stat

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

ADMIN_URL = "http://127.0.0.1:8000/admin/"


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)


@pytest.fixture
def env_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Env-Password-42")


def sign_in(username: str, password: str):
    """Authenticate as the admin login does: with the request, which the lockout guard needs."""
    request = RequestFactory().post("/admin/login/")
    return authenticate(request, username=username, password=password)


def ensure_admin() -> str:
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_environment_creates_the_superuser(db, var_dir, env_admin):
    output = ensure_admin()

    user = sign_in(username="ops", password="Env-Password-42")
    assert user is not None
    assert user.is_staff and user.is_superuser
    assert "ops" in output
    assert output.rstrip().endswith(ADMIN_URL)
    assert not (var_dir / "admin-login.txt").exists()


def test_environment_updates_an_existing_user(db, var_dir, env_admin, django_user_model):
    django_user_model.objects.create_user("ops", password="old-Password-1", is_active=False)

    output = ensure_admin()

    user = sign_in(username="ops", password="Env-Password-42")
    assert user is not None
    assert user.is_staff and user.is_superuser and user.is_active
    assert django_user_model.objects.count() == 1
    assert "updated" in output


def test_generated_login_is_saved_owner_only(db, var_dir, no_env):
    output = ensure_admin()

    login_file = var_dir / "admin-login.txt"
    username, password = login_file.read_text().splitlines()
    assert username == "admin"
    assert len(password) >= 16
    assert stat.S_IMODE(login_file.stat().st_mode) == 0o600
    assert sign_in(username="admin", password=password).is_superuser
    assert password in output
    assert output.rstrip().endswith(ADMIN_URL)


def test_second_run_keeps_the_existing_admin(db, var_dir, no_env, django_user_model):
    ensure_admin()
    first_file = (var_dir / "admin-login.txt").read_text()

    output = ensure_admin()

    assert django_user_model.objects.count() == 1
    assert (var_dir / "admin-login.txt").read_text() == first_file
    assert "Admin login: admin (password as set before" in output
    assert first_file.split()[1] not in output
    assert output.rstrip().endswith(ADMIN_URL)


def test_any_existing_superuser_is_enough(db, var_dir, no_env, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-For-tests-1")

    output = ensure_admin()

    assert django_user_model.objects.count() == 1
    assert "Admin login: boss" in output
    assert not (var_dir / "admin-login.txt").exists()


def test_refuses_to_take_over_a_plain_user_named_admin(db, var_dir, no_env, django_user_model):
    django_user_model.objects.create_user("admin", password="Someone-elses-1")

    with pytest.raises(CommandError, match="not a superuser"):
        ensure_admin()

    assert sign_in(username="admin", password="Someone-elses-1") is not None
