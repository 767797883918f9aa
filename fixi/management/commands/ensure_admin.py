"""`manage.py ensure_admin`: make sure someone can log in to the admin.

- DJANGO_SUPERUSER_PASSWORD set (compose, production): the superuser named by
  DJANGO_SUPERUSER_USERNAME (default "admin") is created, or its password and rights are
  reset to match. ADMIN_PASSWORD, the original deployment's name, is read as an alias of
  DJANGO_SUPERUSER_PASSWORD; both set to different passwords is refused.
- Otherwise, if any superuser exists, nothing changes.
- Otherwise (a fresh `make run`): user "admin" with a generated password, written to
  var/admin-login.txt (owner-only) and printed once.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

ADMIN_URL = "http://127.0.0.1:8000/admin/"
DEFAULT_USERNAME = "admin"
LOGIN_FILE_NAME = "admin-login.txt"


def login_file() -> Path:
    return Path(settings.VAR_DIR) / LOGIN_FILE_NAME


def write_login_file(username: str, password: str) -> Path:
    path = login_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created owner-only, not chmod-ed afterwards, so the password is never world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{username}\n{password}\n")
    path.chmod(0o600)  # an older file keeps its mode through O_TRUNC
    return path


def _shown(path: Path) -> str:
    """The path relative to the project, as an operator would type it."""
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


def _password_from_environment() -> str:
    """DJANGO_SUPERUSER_PASSWORD, else its alias ADMIN_PASSWORD; never one of two that differ."""
    password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
    aliased = os.environ.get("ADMIN_PASSWORD", "")
    if password and aliased and password != aliased:
        raise CommandError(
            "DJANGO_SUPERUSER_PASSWORD and ADMIN_PASSWORD are both set, to different "
            "passwords. ADMIN_PASSWORD is read as another name for DJANGO_SUPERUSER_PASSWORD: "
            "remove one of them."
        )
    return password or aliased


class Command(BaseCommand):
    help = "Ensure an admin superuser exists (from the environment, or generated once)."

    def handle(self, *args, **options):
        if password := _password_from_environment():
            username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip() or DEFAULT_USERNAME
            self._from_environment(username, password)
        elif (existing := self._first_superuser()) is not None:
            self.stdout.write(
                f"Admin login: {existing.get_username()} (password as set before; "
                f"see {_shown(login_file())} if generated)"
            )
        else:
            self._generate()
        self.stdout.write(f"Admin URL: {ADMIN_URL}")

    def _first_superuser(self):
        return get_user_model().objects.filter(is_superuser=True).order_by("date_joined").first()

    def _from_environment(self, username: str, password: str) -> None:
        users = get_user_model()
        user = users.objects.filter(**{users.USERNAME_FIELD: username}).first()
        if user is None:
            email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
            users.objects.create_superuser(username, email, password)
            self.stdout.write(f"Admin login: {username} (created from the environment)")
            return
        user.set_password(password)
        user.is_staff = user.is_superuser = user.is_active = True
        user.save(update_fields=["password", "is_staff", "is_superuser", "is_active"])
        self.stdout.write(f"Admin login: {username} (password updated from the environment)")

    def _generate(self) -> None:
        users = get_user_model()
        if users.objects.filter(**{users.USERNAME_FIELD: DEFAULT_USERNAME}).exists():
            # Resetting someone's password and rights silently would be worse than stopping.
            raise CommandError(
                f'User "{DEFAULT_USERNAME}" exists but is not a superuser. To make it one, '
                f"set DJANGO_SUPERUSER_USERNAME={DEFAULT_USERNAME} and "
                "DJANGO_SUPERUSER_PASSWORD; or run `manage.py createsuperuser`."
            )
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser(DEFAULT_USERNAME, "", password)
        path = write_login_file(DEFAULT_USERNAME, password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin login created (shown once; also saved in {_shown(path)}):\n"
                f"  username: {DEFAULT_USERNAME}\n"
                f"  password: {password}"
            )
        )
