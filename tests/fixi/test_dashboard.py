"""The manager's dashboard and the admin around it: the figures for a known week of leads,
the chart, a query count that does not grow with the leads, the sidebar, and Hebrew."""

import datetime as dt
import html
import json
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from fixi.dashboard import figures, week_start
from fixi.models import BusinessSettings
from leads.models import LeadStatus, SosReport
from tests.factories import LeadFactory, ProFactory

TZ = ZoneInfo("Asia/Jerusalem")
S = LeadStatus
# A Wednesday noon in Israel: the week began on Sunday the 15th.
NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def english():
    """The assertions read the English texts (the admin's default language is Hebrew)."""
    with translation.override("en"):
        yield


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def known_week(db):
    """Eleven leads in the last 30 days, one older; two pros with open jobs, one SOS report."""
    BusinessSettings.objects.update_or_create(key="default", defaults={"max_pro_load": 4})
    report = SosReport.objects.create(text="SOS", lead_count=1, created_at=at(16, 20))
    leads = {
        # today
        "new": LeadFactory(status=S.NEW, created_at=at(18, 9)),
        "contacted": LeadFactory(status=S.CONTACTED, created_at=at(18, 10)),
        "booked_today": LeadFactory(
            status=S.BOOKED,
            created_at=at(18, 8),
            assigned_at=at(18, 9),
            pro_responded_at=at(18, 9, 20),  # 20 minutes
        ),
        "sos_waiting": LeadFactory(status=S.UNASSIGNED, created_at=at(18, 11)),
        # earlier this week
        "completed_final": LeadFactory(
            status=S.COMPLETED,
            created_at=at(16, 9),
            completed_at=at(17, 15),
            quoted_price=Decimal("350"),
            final_price=Decimal("400"),
        ),
        "completed_quote": LeadFactory(
            status=S.COMPLETED,
            created_at=at(16, 10),
            completed_at=at(18, 9),
            quoted_price=Decimal("250"),
        ),
        "cancelled": LeadFactory(status=S.CANCELLED, created_at=at(15, 9)),
        "rerouted": LeadFactory(
            status=S.AWAITING_PRO,
            created_at=at(17, 9),
            assigned_at=at(17, 10),
            pro_responded_at=at(16, 10),  # the previous pro's answer: not counted
        ),
        "sos_reported": LeadFactory(
            status=S.UNASSIGNED,
            created_at=at(16, 11),
            sos_reported_at=at(16, 20),
            sos_report=report,
        ),
        # last week
        "completed_last_week": LeadFactory(
            status=S.COMPLETED,
            created_at=at(12, 9),
            completed_at=at(13, 11),
            final_price=Decimal("1000"),
        ),
        "booked_last_week": LeadFactory(
            status=S.BOOKED,
            created_at=at(12, 9),
            assigned_at=at(12, 10),
            pro_responded_at=at(12, 10, 40),  # 40 minutes
        ),
        # more than 30 days ago: in none of the figures
        "old": LeadFactory(
            status=S.COMPLETED,
            created_at=at(1, 9, month=10),
            completed_at=at(2, 9, month=10),
            assigned_at=at(1, 9, month=10),
            pro_responded_at=at(1, 14, month=10),
            final_price=Decimal("5000"),
        ),
    }
    pros = {
        "busy": ProFactory(name="Avi", current_load=3),
        "full": ProFactory(name="Beni", current_load=2, max_load=2),
        "idle": ProFactory(name="Gadi", current_load=0),
        "inactive": ProFactory(name="Dudu", current_load=9, active=False),
    }
    return leads, pros, report


def counts_of(block) -> dict:
    return {value: n for value, _label, n in block["by_status"] if n}


# --- figures -------------------------------------------------------------------------------


def test_the_week_starts_on_sunday():
    assert week_start(dt.date(2026, 11, 18)) == dt.date(2026, 11, 15)  # Wednesday
    assert week_start(dt.date(2026, 11, 15)) == dt.date(2026, 11, 15)  # Sunday itself
    assert week_start(dt.date(2026, 11, 21)) == dt.date(2026, 11, 15)  # Saturday


def test_todays_and_this_weeks_leads_by_status(known_week):
    shown = figures(NOW)

    assert shown["today_counts"]["total"] == 4
    assert counts_of(shown["today_counts"]) == {
        S.NEW: 1,
        S.CONTACTED: 1,
        S.BOOKED: 1,
        S.UNASSIGNED: 1,
    }
    assert shown["week_start"] == dt.date(2026, 11, 15)
    assert shown["week_counts"]["total"] == 9
    assert counts_of(shown["week_counts"]) == {
        S.NEW: 1,
        S.CONTACTED: 1,
        S.AWAITING_PRO: 1,
        S.BOOKED: 1,
        S.COMPLETED: 2,
        S.CANCELLED: 1,
        S.UNASSIGNED: 2,
    }


def test_conversion_over_the_last_30_days(known_week):
    funnel = figures(NOW)["funnel"]

    # 11 leads; all but the new and the cancelled one were contacted; 2 booked + 3 done.
    assert [(stage["count"], stage["of_previous"]) for stage in funnel] == [
        (11, None),
        (9, 82),
        (5, 56),
        (3, 60),
    ]
    assert [stage["of_leads"] for stage in funnel] == [100, 82, 45, 27]


def test_revenue_takes_the_final_price_else_the_quote(known_week):
    revenue = figures(NOW)["revenue"]

    assert revenue["week"] == "₪650"  # 400 final (not the 350 quote) + 250 quote
    assert revenue["week_jobs"] == 2
    assert revenue["today"] == "₪250"
    assert revenue["recent"] == "₪1,650"  # and last week's 1,000; not October's 5,000
    assert revenue["recent_jobs"] == 3


def test_average_pro_response_time_over_the_last_7_days(known_week):
    response = figures(NOW)["response"]

    # 20 and 40 minutes; the rerouted lead's stale answer and October's are left out.
    assert response["minutes"] == 30
    assert response["answers"] == 2
    assert response["text"] == "30 min"


def test_the_sos_queue_and_the_last_report(known_week):
    leads, _pros, report = known_week

    sos = figures(NOW)["sos"]

    assert sos["total"] == 2
    assert sos["unreported"] == 1
    assert [item["lead"].pk for item in sos["oldest"]] == [leads["sos_waiting"].pk]
    assert sos["last_report"] == {"created_at": report.created_at, "lead_count": 1}


def test_the_busiest_pros_against_their_caps(known_week):
    loads = figures(NOW)["pro_loads"]

    assert [(p["name"], p["load"], p["cap"], p["full"]) for p in loads] == [
        ("Avi", 3, 4, False),  # the business's default cap
        ("Beni", 2, 2, True),  # the pro's own cap
        ("Gadi", 0, 4, False),
    ]
    assert loads[0]["percent"] == 75


def test_the_chart_has_14_days_of_leads_by_status(known_week):
    chart = json.loads(figures(NOW)["chart_data"])

    assert len(chart["labels"]) == 14
    assert chart["labels"][0] == "05/11"
    assert chart["labels"][-1] == "18/11"
    by_status = {
        dataset["label"]: dataset["data"] for dataset in chart["datasets"]
    }  # labels are the statuses' names
    assert by_status[str(S.NEW.label)][-1] == 1
    assert by_status[str(S.COMPLETED.label)][chart["labels"].index("16/11")] == 2
    assert by_status[str(S.COMPLETED.label)][chart["labels"].index("12/11")] == 1
    assert sum(sum(data) for data in by_status.values()) == 11


def test_an_empty_database_shows_zeros_not_errors(db):
    shown = figures(NOW)

    assert shown["today_counts"]["total"] == 0
    assert shown["funnel"][1]["of_previous"] is None
    assert shown["revenue"]["week"] == "₪0"
    assert shown["response"] == {"minutes": None, "answers": 0, "text": "—"}
    assert shown["sos"]["last_report"] is None


# --- the page ------------------------------------------------------------------------------


def chart_in(page: str) -> dict:
    found = re.search(r'<canvas class="chart"[^>]*data-value="([^"]*)"', page)
    assert found, "no chart canvas on the dashboard"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.django_db
def test_the_dashboard_page_shows_the_figures_and_the_chart(admin_client):
    now = timezone.now()
    LeadFactory(status=S.NEW, created_at=now)
    LeadFactory(status=S.UNASSIGNED, created_at=now)

    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert re.search(r'data-figure="today-total">\s*2<', page)
    assert re.search(r'data-figure="sos-unreported">\s*1<', page)
    assert 'data-type="bar"' in page
    sos_list = admin_client.get(
        reverse("admin:leads_lead_changelist"), {"status__exact": "unassigned"}
    )
    assert sos_list.context["cl"].result_count == 1
    chart = chart_in(page)
    assert sum(sum(dataset["data"]) for dataset in chart["datasets"]) == 2
    assert chart["labels"][-1] == f"{timezone.localtime(now):%d/%m}"


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return len(queries.captured_queries)


def _more_leads(count: int, pro) -> None:
    statuses = list(S.values)
    for n in range(count):
        status = statuses[n % len(statuses)]
        LeadFactory(
            status=status,
            pro=pro if status in (S.BOOKED, S.COMPLETED) else None,
            created_at=timezone.now() - dt.timedelta(days=n % 20, hours=1),
            assigned_at=timezone.now() - dt.timedelta(hours=2),
            pro_responded_at=timezone.now() - dt.timedelta(hours=1),
            completed_at=timezone.now() if status == S.COMPLETED else None,
            final_price=Decimal("300") if status == S.COMPLETED else None,
        )


@pytest.mark.django_db
def test_the_dashboard_query_count_does_not_grow_with_the_leads(admin_client):
    pro = ProFactory(current_load=1)
    SosReport.objects.create(text="SOS", lead_count=2)
    _more_leads(5, pro)
    _dashboard_queries(admin_client)  # first visit: the session and business settings rows
    with_5 = _dashboard_queries(admin_client)

    _more_leads(20, pro)
    with_25 = _dashboard_queries(admin_client)

    assert with_25 == with_5
    assert with_5 <= 20


# --- sidebar and language ---------------------------------------------------------------


def sidebar_items():
    return [
        (group["title"], item)
        for group in settings.UNFOLD["SIDEBAR"]["navigation"]
        for item in group["items"]
    ]


@pytest.mark.django_db
def test_every_sidebar_link_resolves_and_opens(admin_client):
    for group, item in sidebar_items():
        url = str(item["link"])  # reverse_lazy: a NoReverseMatch here is a broken link

        response = admin_client.get(url, follow=True)

        assert response.status_code == 200, f"{group} / {item['title']}: {url}"


def test_the_sidebar_is_grouped_by_work():
    links = {}
    with translation.override("en"):
        for group, item in sidebar_items():
            links.setdefault(str(group), []).append(str(item["link"]))

    assert links == {
        "Leads": [
            "/admin/",
            "/admin/leads/lead/",
            "/admin/leads/lead/inbox/",
            "/admin/leads/customer/",
            "/admin/leads/sosreport/",
        ],
        "Pros": ["/admin/pros/pro/", "/admin/pros/city/"],
        "Schedule": [
            "/admin/scheduling/slot/",
            "/admin/scheduling/slot/day/",
            "/admin/scheduling/slot/generate/",
        ],
        "Messages": [
            "/admin/messaging/inboundmessage/",
            "/admin/messaging/outboundmessage/",
            "/simulator/",
        ],
        "Settings": [
            "/admin/fixi/businesssettings/",
            "/admin/django_celery_beat/periodictask/",
            "/admin/auth/user/",
            "/admin/axes/accessattempt/",
        ],
    }


@pytest.mark.django_db
def test_the_sos_badge_counts_leads_nobody_took(admin_client):
    LeadFactory(status=S.UNASSIGNED)
    LeadFactory(status=S.UNASSIGNED)

    page = admin_client.get(reverse("admin:index")).content.decode()

    sos_link = page[page.index('href="/admin/leads/sosreport/"') :][:1500]
    assert re.search(r">\s*2\s*<", sos_link)


@pytest.mark.django_db
def test_staff_without_permissions_see_no_links_they_cannot_open(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="pw-For-tests-1", is_staff=True)
    client.force_login(clerk)

    page = client.get(reverse("admin:index")).content.decode()

    assert 'href="/admin/auth/user/"' not in page
    assert 'href="/admin/pros/pro/"' not in page


@pytest.mark.django_db
def test_the_hebrew_admin_is_right_to_left_and_translated(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="he").content.decode()

    assert '<html lang="he" dir="rtl"' in page
    assert "לידים היום" in page  # "Leads today"
    assert "בעלי מקצוע" in page  # the sidebar's "Pros"


@pytest.mark.django_db
def test_the_english_admin_is_left_to_right(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en" dir="ltr"' in page
    assert "Leads today" in page


@pytest.mark.django_db
def test_the_language_switcher_is_offered(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert 'action="/i18n/setlang/"' in page
    assert 'name="language" type="hidden" value="he"' in page
    assert 'name="language" type="hidden" value="en"' in page


# --- business settings ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_settings_list_goes_straight_to_the_one_row(admin_client):
    response = admin_client.get(reverse("admin:fixi_businesssettings_changelist"))

    row = BusinessSettings.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:fixi_businesssettings_change", args=[row.pk])


@pytest.mark.django_db
def test_the_settings_page_shows_every_setting_with_its_help(admin_client, business_settings):
    url = reverse("admin:fixi_businesssettings_change", args=[business_settings.pk])

    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for name in (
        "sos_timeout_minutes",
        "max_pro_load",
        "report_interval_hours",
        "stale_pro_followup_hours",
        "stale_customer_check_hours",
        "flood_limit_per_minute",
    ):
        assert f'name="{name}"' in page
    assert "A pro who has not answered a lead within this time is replaced." in page
    assert "the bot asks the pro whether it is done" in page
    assert "the bot asks the customer how it went" in page
    assert "sends one notice and answers nothing more" in page
    assert "batched report of leads nobody could take" in page


@pytest.mark.django_db
def test_the_settings_row_is_never_added_twice_nor_deleted(admin_client, business_settings):
    add = admin_client.get(reverse("admin:fixi_businesssettings_add"))
    delete = admin_client.get(
        reverse("admin:fixi_businesssettings_delete", args=[business_settings.pk])
    )

    assert add.status_code == 403
    assert delete.status_code == 403
    assert BusinessSettings.objects.count() == 1


@pytest.mark.django_db
def test_a_setting_is_changed_in_the_admin(admin_client, business_settings):
    url = reverse("admin:fixi_businesssettings_change", args=[business_settings.pk])
    data = {
        "sos_timeout_minutes": "45",
        "max_pro_load": "6",
        "report_interval_hours": "2",
        "stale_pro_followup_hours": "5",
        "stale_customer_check_hours": "30",
        "flood_limit_per_minute": "10",
        "whatsapp_check_minutes": "3",
        "nearby_radius_km": "20",
        "quiet_window_seconds": "2.5",
        "urgent_timeout_minutes": "8",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert BusinessSettings.load().sos_timeout_minutes == 45
    assert BusinessSettings.load().whatsapp_check_minutes == 3
    assert BusinessSettings.objects.count() == 1


@pytest.mark.django_db
def test_the_whatsapp_check_is_every_5_minutes_and_never_below_one(admin_client, business_settings):
    assert business_settings.whatsapp_check_minutes == 5
    url = reverse("admin:fixi_businesssettings_change", args=[business_settings.pk])
    data = {
        "sos_timeout_minutes": "30",
        "max_pro_load": "3",
        "report_interval_hours": "4",
        "stale_pro_followup_hours": "4",
        "stale_customer_check_hours": "24",
        "flood_limit_per_minute": "12",
        "whatsapp_check_minutes": "0",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    assert BusinessSettings.load().whatsapp_check_minutes == 5
