"""The pros admin: a pro's profile, voice, prices, areas and trades on one page; what the
system keeps (rating, reviews, open jobs) is shown, never typed in; newest leads below."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from fixi.models import BusinessSettings
from leads.models import LeadStatus
from pros.models import Pro
from tests.factories import (
    CityFactory,
    CustomerFactory,
    LeadFactory,
    PriceItemFactory,
    ProFactory,
)


@pytest.fixture
def admin_client(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the assertions read English
    return admin_client


@pytest.fixture
def default_cap(db):
    BusinessSettings.objects.update_or_create(key="default", defaults={"max_pro_load": 5})
    return 5


@pytest.fixture
def pro(default_cap):
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    pro = ProFactory(
        name="Avi Cohen",
        persona="Twenty years fixing Haifa's pipes.",
        rating=4.8,
        review_count=37,
        current_load=3,
        trades=["plumbing"],
        cities=[haifa],
    )
    PriceItemFactory(pro=pro, service="Blocked drain", price="250")
    return pro


def change_url(pro) -> str:
    return reverse("admin:pros_pro_change", args=[pro.pk])


def form_data(response) -> dict:
    """What a browser would post back from a change page: every editable field and every
    inline formset (management forms included), as the page shows them."""
    data = {}

    def put(bound):
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = str(value)

    form = response.context["adminform"].form
    for name in form.fields:
        put(form[name])
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            put(formset.management_form[name])
        for sub in formset.forms:
            for name in sub.fields:
                put(sub[name])
    return data


def test_the_change_page_shows_profile_voice_prices_areas_trades_and_hours(admin_client, pro):
    page = admin_client.get(change_url(pro)).content.decode()

    assert 'name="persona"' in page
    assert "Twenty years fixing Haifa&#x27;s pipes." in page
    assert 'name="tone"' in page
    assert 'name="working_hours"' in page
    assert 'name="max_load"' in page
    assert 'name="active"' in page
    assert 'name="price_items-0-service"' in page
    assert 'value="Blocked drain"' in page
    assert 'name="service_areas-0-city"' in page
    assert 'name="trades-0-trade"' in page


def test_rating_reviews_and_load_are_shown_but_not_editable(admin_client, pro):
    page = admin_client.get(change_url(pro)).content.decode()

    assert 'name="rating"' not in page
    assert 'name="review_count"' not in page
    assert 'name="current_load"' not in page
    assert "4.8" in page
    assert "37" in page
    assert "3 / 5" in page  # open jobs against the business's default cap


def test_saving_the_form_keeps_the_systems_figures(admin_client, pro):
    response = admin_client.get(change_url(pro))
    data = form_data(response)
    data.update(name="Avi Cohen Plumbing", rating="1.0", review_count="1", max_load="4")

    saved = admin_client.post(change_url(pro), data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    pro.refresh_from_db()
    assert pro.name == "Avi Cohen Plumbing"
    assert pro.max_load == 4
    assert (pro.rating, pro.review_count, pro.current_load) == (4.8, 37, 3)
    assert json.loads(data["working_hours"]) == pro.working_hours


def test_the_list_shows_load_against_each_pros_cap(admin_client, default_cap):
    ProFactory(name="Avi", current_load=2)
    ProFactory(name="Beni", current_load=4, max_load=4)

    page = admin_client.get(reverse("admin:pros_pro_changelist")).content.decode()

    assert "2 / 5" in page
    assert '<strong class="text-red-600">4 / 4</strong>' in page  # at its own cap: full


def test_active_is_edited_in_the_list(admin_client, pro):
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(pro.pk),
        # form-0-active left out: the checkbox is cleared
        "_save": "Save",
    }

    response = admin_client.post(reverse("admin:pros_pro_changelist"), data)

    assert response.status_code == 302
    pro.refresh_from_db()
    assert pro.active is False


def test_pros_are_deactivated_and_activated_in_bulk(admin_client, default_cap):
    pros = [ProFactory(), ProFactory(), ProFactory(active=False)]
    url = reverse("admin:pros_pro_changelist")
    selected = [str(p.pk) for p in pros]

    admin_client.post(url, {"action": "deactivate", "_selected_action": selected})
    assert Pro.objects.filter(active=True).count() == 0

    response = admin_client.post(
        url, {"action": "activate", "_selected_action": selected}, follow=True
    )
    assert Pro.objects.filter(active=False).count() == 0
    assert "3 pros activated." in response.content.decode()


def test_the_newest_ten_leads_are_listed_on_the_pro(admin_client, pro):
    now = timezone.now()
    for n in range(12):
        LeadFactory(
            pro=pro,
            customer=CustomerFactory(name=f"Customer-{n:02d}"),
            status=LeadStatus.BOOKED,
            created_at=now - dt.timedelta(hours=12 - n),
        )
    LeadFactory(customer=CustomerFactory(name="Someone-else"))

    page = admin_client.get(change_url(pro)).content.decode()

    shown = [n for n in range(12) if f"Customer-{n:02d}" in page]
    assert shown == list(range(2, 12))  # the two oldest are left out
    assert "Someone-else" not in page
    assert 'name="leads-0-status"' not in page  # to read, not to edit
    all_leads = reverse("admin:leads_lead_changelist") + f"?pro__id__exact={pro.pk}"
    assert all_leads in page  # and a link to all of them
    listed = admin_client.get(all_leads)
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 12


def test_the_change_page_with_leads_posts_back_cleanly(admin_client, pro):
    for _n in range(11):
        LeadFactory(pro=pro)
    data = form_data(admin_client.get(change_url(pro)))

    saved = admin_client.post(change_url(pro), data)

    assert saved.status_code == 302


def test_the_add_page_renders(admin_client, default_cap):
    page = admin_client.get(reverse("admin:pros_pro_add"))

    assert page.status_code == 200
