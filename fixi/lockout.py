"""The page a manager sees when too many failed logins have locked the account.

django-axes refuses the login and calls `lockout_response` (settings.AXES_LOCKOUT_CALLABLE);
the page is drawn in the admin's theme and says how long the lock lasts.
"""

import datetime as dt
import math

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def unlock_time(username: str, cool_off: dt.timedelta) -> dt.datetime:
    """The lock lifts one cool-off after the failure that set it (the latest one counted)."""
    last = (
        AccessAttempt.objects.filter(username=username)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return (last or timezone.now()) + cool_off


def lockout_response(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    unlock_at = unlock_time(get_client_username(request, credentials) or "", cool_off)
    minutes = max(1, math.ceil((unlock_at - timezone.now()).total_seconds() / 60))
    context = {
        **admin.site.each_context(request),
        "title": _("Account locked"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "unlock_at": unlock_at,
        # Django's own "%(num)d minute" catalogue entry, so Hebrew gets its plural forms.
        "wait": ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes},
    }
    return render(request, "axes/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
