"""The schedule pages of the admin: one pro's day, slot by slot, and the bulk generator.

Both are entry points: closing and opening a slot is one conditional update on the slot
row (it never touches a slot a lead holds), and the generator calls
`scheduling.generation.generate_slots` with the same arguments as
`manage.py generate_slots`.
"""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import holidays
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View
from unfold.views import UnfoldModelAdminViewMixin
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from pros.models import Pro
from scheduling.generation import GenerationResult, generate_slots
from scheduling.models import Slot

MAX_DAYS = 90


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_today() -> dt.date:
    return timezone.localdate(timezone=local_zone())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight to the next local midnight, whatever the clock change between."""
    tz = local_zone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def close_slot(slot_id) -> bool:
    """Take a free slot off offer; False when a lead holds it or it is closed already."""
    return (
        Slot.objects.filter(pk=slot_id, lead__isnull=True, closed=False).update(
            closed=True, updated_at=timezone.now()
        )
        == 1
    )


def open_slot(slot_id) -> bool:
    """Offer a closed slot again; False when it is open already or a lead holds it."""
    return (
        Slot.objects.filter(pk=slot_id, lead__isnull=True, closed=True).update(
            closed=False, updated_at=timezone.now()
        )
        == 1
    )


class DateInput(UnfoldAdminTextInputWidget):
    input_type = "date"


class TimeInput(UnfoldAdminTextInputWidget):
    input_type = "time"


def pro_field(**kwargs) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Pro.objects.order_by("-active", "name"),
        label=_("Pro"),
        widget=UnfoldAdminSelectWidget,
        **kwargs,
    )


class DayForm(forms.Form):
    pro = pro_field()
    date = forms.DateField(label=_("Date"), widget=DateInput)


@dataclass
class SlotRow:
    slot: Slot
    start: dt.datetime  # local
    end: dt.datetime  # local
    lead_url: str = ""

    @property
    def state(self) -> str:
        if self.slot.lead_id:
            return "booked"
        return "closed" if self.slot.closed else "free"


class DayView(UnfoldModelAdminViewMixin, TemplateView):
    """One pro's slots on one local day, each with its booking or an open/close button."""

    title = _("Day view")
    permission_required = ("scheduling.view_slot",)
    template_name = "admin/scheduling/day_view.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.setdefault("date", local_today().isoformat())
        form = DayForm(query if "pro" in query else None, initial={"date": query["date"]})
        context.update(form=form, rows=None)
        if form.is_bound and form.is_valid():
            pro, day = form.cleaned_data["pro"], form.cleaned_data["date"]
            context.update(self._day(pro, day))
        return context

    def _day(self, pro: Pro, day: dt.date) -> dict:
        start, end = day_bounds(day)
        tz = local_zone()
        slots = (
            Slot.objects.filter(pro=pro, start__gte=start, start__lt=end)
            .select_related("lead__customer")
            .order_by("start")
        )
        rows = [
            SlotRow(
                slot=slot,
                start=slot.start.astimezone(tz),
                end=slot.end.astimezone(tz),
                lead_url=reverse("admin:leads_lead_change", args=[slot.lead_id])
                if slot.lead_id
                else "",
            )
            for slot in slots
        ]
        here = reverse("admin:scheduling_slot_day")
        return {
            "pro": pro,
            "day": day,
            "rows": rows,
            "counts": {state: sum(row.state == state for row in rows) for state in STATES},
            "previous_url": _day_url(here, pro, day - dt.timedelta(days=1)),
            "next_url": _day_url(here, pro, day + dt.timedelta(days=1)),
            "today_url": _day_url(here, pro, local_today()),
            "generate_url": reverse("admin:scheduling_slot_generate") + f"?pro={pro.pk}",
            "can_change": self.request.user.has_perm("scheduling.change_slot"),
        }


STATES = ("free", "booked", "closed")


def _day_url(base: str, pro: Pro, day: dt.date) -> str:
    return f"{base}?{urlencode({'pro': pro.pk, 'date': day.isoformat()})}"


class SlotToggleView(UnfoldModelAdminViewMixin, View):
    """POST: close or open one slot, then back to the day it is on."""

    title = _("Day view")
    permission_required = ("scheduling.change_slot",)
    http_method_names = ["post"]

    def post(self, request, slot_id, operation):
        slot = Slot.objects.filter(pk=slot_id).select_related("pro").first()
        if slot is None:
            messages.error(request, _("That slot no longer exists."))
            return HttpResponseRedirect(reverse("admin:scheduling_slot_day"))
        done = close_slot(slot.pk) if operation == "close" else open_slot(slot.pk)
        local_start = slot.start.astimezone(local_zone())
        when = f"{local_start:%d/%m %H:%M}"
        if done and operation == "close":
            messages.success(request, _("The slot at %(when)s is closed.") % {"when": when})
        elif done:
            messages.success(request, _("The slot at %(when)s is open again.") % {"when": when})
        elif Slot.objects.filter(pk=slot.pk, lead__isnull=False).exists():
            messages.error(
                request, _("The slot at %(when)s is booked: it cannot be changed.") % {"when": when}
            )
        elif operation == "close":
            messages.info(request, _("The slot at %(when)s was closed already.") % {"when": when})
        else:
            messages.info(request, _("The slot at %(when)s was open already.") % {"when": when})
        day_view = reverse("admin:scheduling_slot_day")
        return HttpResponseRedirect(_day_url(day_view, slot.pro, local_start.date()))


class GenerateForm(forms.Form):
    pro = pro_field(
        required=False,
        empty_label=_("Every active pro"),
        help_text=_("Empty: every active pro."),
    )
    first_day = forms.DateField(
        label=_("First day"), widget=DateInput, help_text=_("Today in Israel unless changed.")
    )
    days = forms.IntegerField(
        label=_("Days"), min_value=1, max_value=MAX_DAYS, widget=UnfoldAdminIntegerFieldWidget
    )
    duration = forms.IntegerField(
        label=_("Slot length (minutes)"),
        min_value=1,
        max_value=24 * 60,
        widget=UnfoldAdminIntegerFieldWidget,
    )
    start = forms.TimeField(
        label=_("Start of day"),
        required=False,
        widget=TimeInput,
        help_text=_("With the end of day; both empty: each pro's own working hours."),
    )
    end = forms.TimeField(label=_("End of day"), required=False, widget=TimeInput)
    include_holidays = forms.BooleanField(
        label=_("Include Shabbat and holidays"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text=_("Off: no slots on Shabbat and Jewish holidays, and their eves end early."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Give both the start and the end of day, or neither."))
        if start is not None and start >= end:
            raise forms.ValidationError(_("The start of day must be before its end."))
        return data


def day_off_name(day: dt.date, reason: str) -> str:
    """Why a day was skipped, in the admin's language (generation names it in English)."""
    if reason == "Shabbat":
        return str(_("Shabbat"))
    if get_language() == "he":
        return holidays.country_holidays("IL", years=day.year, language="he").get(day, reason)
    return reason


@dataclass
class ProResult:
    pro: Pro
    result: GenerationResult

    @property
    def skipped(self) -> list[tuple[dt.date, str]]:
        return [
            (day, day_off_name(day, reason))
            for day, reason in sorted(self.result.skipped_days.items())
        ]


def run_generator(data: dict) -> list[ProResult]:
    """What `manage.py generate_slots` does, for the pros the form names."""
    pros = [data["pro"]] if data.get("pro") else Pro.objects.filter(active=True)
    return [
        ProResult(
            pro,
            generate_slots(
                pro,
                first_day=data["first_day"],
                days=data["days"],
                duration=dt.timedelta(minutes=data["duration"]),
                start=data.get("start"),
                end=data.get("end"),
                include_holidays=data.get("include_holidays", False),
            ),
        )
        for pro in pros
    ]


class GenerateView(UnfoldModelAdminViewMixin, FormView):
    """Bulk slot generation for one pro or every active pro; reports what it made."""

    title = _("Generate slots")
    permission_required = ("scheduling.add_slot",)
    template_name = "admin/scheduling/generate_slots.html"
    form_class = GenerateForm

    def get_initial(self):
        initial = {"first_day": local_today(), "days": 14, "duration": 60}
        if self.request.GET.get("pro"):
            initial["pro"] = self.request.GET["pro"]  # from the day view's link
        return initial

    def form_valid(self, form):
        results = run_generator(form.cleaned_data)
        created = sum(r.result.created for r in results)
        existing = sum(r.result.existing for r in results)
        messages.success(
            self.request,
            ngettext(
                "%(created)d slot created, %(existing)d already there.",
                "%(created)d slots created, %(existing)d already there.",
                created,
            )
            % {"created": created, "existing": existing},
        )
        context = self.get_context_data(form=form, results=results)
        context.update(total_created=created, total_existing=existing)
        return self.render_to_response(context)
