from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from fixi.models import BusinessSettings, Heartbeat

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(BusinessSettings)
class BusinessSettingsAdmin(ModelAdmin):
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
        # One row: go straight to its form.
        from django.shortcuts import redirect

        current = BusinessSettings.load()
        return redirect("admin:fixi_businesssettings_change", current.pk)


@admin.register(Heartbeat)
class HeartbeatAdmin(ModelAdmin):
    list_display = ["name", "seen_at", "detail"]
    readonly_fields = ["name", "seen_at", "detail"]

    def has_add_permission(self, request):
        return False
