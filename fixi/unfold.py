"""django-unfold configuration: the admin's title, language switcher and sidebar."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _item(title, icon, url_name):
    return {"title": title, "icon": icon, "link": reverse_lazy(url_name)}


UNFOLD = {
    "SITE_TITLE": "Fixi",
    "SITE_HEADER": "Fixi",
    "SITE_SYMBOL": "handyman",
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": True,
    "DASHBOARD_CALLBACK": "fixi.dashboard.dashboard_callback",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": [
            {
                "title": _("Leads"),
                "items": [
                    _item(_("Dashboard"), "dashboard", "admin:index"),
                    _item(_("Leads"), "assignment", "admin:leads_lead_changelist"),
                    _item(_("Customers"), "person", "admin:leads_customer_changelist"),
                ],
            },
            {
                "title": _("Pros"),
                "items": [
                    _item(_("Pros"), "engineering", "admin:pros_pro_changelist"),
                    _item(_("Cities"), "location_city", "admin:pros_city_changelist"),
                ],
            },
            {
                "title": _("Schedule"),
                "items": [_item(_("Slots"), "calendar_month", "admin:scheduling_slot_changelist")],
            },
            {
                "title": _("Messages"),
                "items": [
                    _item(
                        _("Inbound"), "move_to_inbox", "admin:messaging_inboundmessage_changelist"
                    ),
                    _item(_("Outbox"), "outbox", "admin:messaging_outboundmessage_changelist"),
                    _item(_("WhatsApp simulator"), "smartphone", "simulator:index"),
                ],
            },
            {
                "title": _("Settings"),
                "items": [
                    _item(_("Business settings"), "tune", "admin:fixi_businesssettings_changelist"),
                    _item(
                        _("Periodic jobs"),
                        "schedule",
                        "admin:django_celery_beat_periodictask_changelist",
                    ),
                    _item(_("Users"), "manage_accounts", "admin:auth_user_changelist"),
                ],
            },
        ],
    },
}
