"""django-unfold configuration: the admin's title, language switcher and sidebar.

The sidebar is grouped by the manager's work, not by Django app. Links are reversed when
a page renders (reverse_lazy), and each is shown only to staff allowed to open it.
"""

from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _


def can(permission: str):
    """A sidebar permission check: the user holds `permission`."""

    def check(request) -> bool:
        return request.user.has_perm(permission)

    return check


def active_below(url_name: str, *except_below: str):
    """Highlight the item on its pages, but not on a sibling item's pages under its URL
    (the slot list is not the current page on the day view, nor the lead list in the inbox)."""

    def check(request) -> bool:
        path = request.path
        return path.startswith(reverse(url_name)) and not any(
            path.startswith(reverse(other)) for other in except_below
        )

    return check


def _item(title, icon, url_name, permission=None, **extra):
    item = {"title": title, "icon": icon, "link": reverse_lazy(url_name), **extra}
    if permission:
        item["permission"] = can(permission)
    return item


UNFOLD = {
    "SITE_TITLE": "Fixi",
    "SITE_HEADER": "Fixi",
    "SITE_SYMBOL": "handyman",
    # Hebrew and English from settings.LANGUAGES; unfold turns the page right to left for
    # a bidi language.
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
                    _item(
                        _("Leads"),
                        "assignment",
                        "admin:leads_lead_changelist",
                        "leads.view_lead",
                        active=active_below(
                            "admin:leads_lead_changelist", "admin:leads_lead_inbox"
                        ),
                    ),
                    _item(_("Inbox"), "forum", "admin:leads_lead_inbox", "leads.view_lead"),
                    _item(
                        _("Customers"),
                        "person",
                        "admin:leads_customer_changelist",
                        "leads.view_customer",
                    ),
                    _item(
                        _("SOS reports"),
                        "sos",
                        "admin:leads_sosreport_changelist",
                        "leads.view_sosreport",
                        badge="fixi.dashboard.sos_badge",
                        badge_variant="danger",
                    ),
                ],
            },
            {
                "title": _("Pros"),
                "items": [
                    _item(_("Pros"), "engineering", "admin:pros_pro_changelist", "pros.view_pro"),
                    _item(
                        _("Cities"), "location_city", "admin:pros_city_changelist", "pros.view_city"
                    ),
                ],
            },
            {
                "title": _("Schedule"),
                "items": [
                    _item(
                        _("Slots"),
                        "calendar_month",
                        "admin:scheduling_slot_changelist",
                        "scheduling.view_slot",
                        active=active_below(
                            "admin:scheduling_slot_changelist",
                            "admin:scheduling_slot_day",
                            "admin:scheduling_slot_generate",
                        ),
                    ),
                    _item(
                        _("Day view"),
                        "view_day",
                        "admin:scheduling_slot_day",
                        "scheduling.view_slot",
                    ),
                    _item(
                        _("Generate slots"),
                        "edit_calendar",
                        "admin:scheduling_slot_generate",
                        "scheduling.add_slot",
                    ),
                ],
            },
            {
                "title": _("Messages"),
                "items": [
                    _item(
                        _("Inbound"),
                        "move_to_inbox",
                        "admin:messaging_inboundmessage_changelist",
                        "messaging.view_inboundmessage",
                    ),
                    _item(
                        _("Outbox"),
                        "outbox",
                        "admin:messaging_outboundmessage_changelist",
                        "messaging.view_outboundmessage",
                    ),
                    _item(
                        _("WhatsApp simulator"),
                        "smartphone",
                        "simulator:index",
                        "messaging.use_simulator",
                    ),
                ],
            },
            {
                "title": _("Settings"),
                "items": [
                    _item(
                        _("Business settings"),
                        "tune",
                        "admin:fixi_businesssettings_changelist",
                        "fixi.view_businesssettings",
                    ),
                    _item(
                        _("Periodic tasks"),
                        "schedule",
                        "admin:django_celery_beat_periodictask_changelist",
                        "django_celery_beat.view_periodictask",
                    ),
                    _item(
                        _("Users"),
                        "manage_accounts",
                        "admin:auth_user_changelist",
                        "auth.view_user",
                    ),
                    _item(
                        _("Locked logins"),
                        "lock_person",
                        "admin:axes_accessattempt_changelist",
                        "axes.view_accessattempt",
                    ),
                ],
            },
        ],
    },
}
