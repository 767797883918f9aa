"""Leases for periodic jobs that must act once per period however many beats fire them.

`acquire(name, seconds)` takes the job's lease when it is free (its `until` has passed)
with one conditional update, and returns a token, or None when someone else holds it.
`release` hands it back early (only by its holder); `extend` keeps it for a period (the
SOS reporter keeps its lease for the report interval after sending). A holder that dies
loses the lease when `until` passes. No transaction or row lock is involved, so this
works the same on SQLite and MongoDB.
"""

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from fixi.models import JobLease


def acquire(name: str, seconds: float, now=None) -> str | None:
    now = now or timezone.now()
    token = secrets.token_hex(8)
    until = now + timedelta(seconds=seconds)
    if not JobLease.objects.filter(name=name).exists():
        try:
            with transaction.atomic():  # a savepoint: a lost race leaves the caller's block usable
                JobLease.objects.create(name=name, holder=token, until=until)
            return token
        except IntegrityError:
            pass  # created by a rival a moment ago: compete for it below
    taken = JobLease.objects.filter(name=name, until__lte=now).update(
        holder=token, until=until, updated_at=now
    )
    return token if taken == 1 else None


def release(name: str, token: str, now=None) -> bool:
    now = now or timezone.now()
    return bool(JobLease.objects.filter(name=name, holder=token).update(until=now, updated_at=now))


def extend(name: str, token: str, until) -> bool:
    return bool(JobLease.objects.filter(name=name, holder=token).update(until=until))
