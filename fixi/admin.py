from axes.admin import AccessAttemptAdmin as BaseAccessAttemptAdmin
from axes.admin import AccessLogAdmin as BaseAccessLogAdmin
from axes.models import AccessAttempt, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_celery_beat.admin import PeriodicTaskAdmin as BasePeriodicTaskAdmin
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from fixi.models import BusinessSettings, Heartbeat

admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.unregister(PeriodicTask)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


SETTINGS_FIELDSETS = [
    (
        _("SOS"),
        {"fields": ["sos_timeout_minutes", "urgent_timeout_minutes", "report_interval_hours"]},
    ),
    (_("Pros"), {"fields": ["max_pro_load", "nearby_radius_km"]}),
    (
        _("Jobs not marked done"),
        {"fields": ["stale_pro_followup_hours", "stale_customer_check_hours"]},
    ),
    (_("Conversations"), {"fields": ["quiet_window_seconds"]}),
    (_("Flood protection"), {"fields": ["flood_limit_per_minute"]}),
    (_("WhatsApp"), {"fields": ["whatsapp_check_minutes"]}),
]


# A longer window holds every customer's reply back that long after their last message.
MAX_QUIET_WINDOW_SECONDS = 30


class BusinessSettingsForm(forms.ModelForm):
    quiet_window_seconds = forms.DecimalField(
        label=BusinessSettings._meta.get_field("quiet_window_seconds").verbose_name,
        min_value=0,
        max_value=MAX_QUIET_WINDOW_SECONDS,
        max_digits=4,
        decimal_places=1,
        help_text=_(
            "Messages of one chat that arrive within this many seconds of each other are "
            "read as one turn and get one reply, so each reply waits this long after the "
            "customer's last message. 0 answers every message on its own. The environment's "
            "QUIET_WINDOW_SECONDS only sets the first value."
        ),
    )
    urgent_timeout_minutes = forms.IntegerField(
        label=BusinessSettings._meta.get_field("urgent_timeout_minutes").verbose_name,
        min_value=1,
        help_text=_(
            "An urgent job whose pro has not answered in this time goes to the next pro "
            "(other jobs wait the SOS timeout). The environment's URGENT_TIMEOUT_MINUTES "
            "only sets the first value."
        ),
    )

    class Meta:
        model = BusinessSettings
        fields = [name for _title, fieldset in SETTINGS_FIELDSETS for name in fieldset["fields"]]
        # What each number changes, for the fields whose label alone does not say.
        help_texts = {
            "report_interval_hours": _(
                "At most one batched report of leads nobody could take is sent to the "
                "admin's WhatsApp in this time."
            ),
            "stale_pro_followup_hours": _(
                "A booked job not marked done this long after its appointment: the bot asks "
                "the pro whether it is done."
            ),
            "stale_customer_check_hours": _(
                "A booked job still not done this long after its appointment: the bot asks "
                "the customer how it went."
            ),
            "flood_limit_per_minute": _(
                "Beyond this many messages a minute from one chat, the bot sends one notice "
                "and answers nothing more until the minute is over."
            ),
        }


@admin.register(BusinessSettings)
class BusinessSettingsAdmin(ModelAdmin):
    """The one row of business settings: never a second one, never deleted."""

    form = BusinessSettingsForm
    fieldsets = SETTINGS_FIELDSETS
    list_display = [
        "__str__",
        "sos_timeout_minutes",
        "max_pro_load",
        "report_interval_hours",
        "flood_limit_per_minute",
    ]

    def has_add_permission(self, request):
        return not BusinessSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to its form (made with the defaults if it is not there yet).
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:fixi_businesssettings_change", BusinessSettings.load().pk)


@admin.register(Heartbeat)
class HeartbeatAdmin(ModelAdmin):
    list_display = ["name", "seen_at", "detail"]
    readonly_fields = ["name", "seen_at", "detail"]

    def has_add_permission(self, request):
        return False


# django-axes ships no Hebrew: the names of its records are marked here so that
# makemessages keeps their translations in locale/he.
AXES_RECORD_NAMES = [
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
]


# Login lockout (django-axes): failed attempts, and successful logins. Deleting a manager's
# attempts lifts the lock on that account.
@admin.register(AccessAttempt)
class AccessAttemptAdmin(BaseAccessAttemptAdmin, ModelAdmin):
    pass


@admin.register(AccessLog)
class AccessLogAdmin(BaseAccessLogAdmin, ModelAdmin):
    pass


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(BasePeriodicTaskAdmin):
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # django-celery-beat passes the crontabs' descriptions to its page keyed by primary
        # key, and an ObjectId (MongoDB) is not a JSON key: the page failed whenever a
        # crontab existed. Text keys are what the page's script reads either way.
        readable = {str(c.pk): c.human_readable for c in CrontabSchedule.objects.all()}
        extra_context = {**(extra_context or {}), "readable_crontabs": readable}
        return super(BasePeriodicTaskAdmin, self).changeform_view(
            request, object_id, form_url, extra_context
        )
