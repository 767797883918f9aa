"""Geography in the admin: a pro's base city and radius on the pro's page (the cities
within it added and kept in step), the nearby radius on the settings page, and cities
with their coordinates and Arabic and Russian names."""

import pytest
from django.urls import reverse

from fixi.models import BusinessSettings
from pros.models import ServiceArea
from tests.factories import CityFactory, ProFactory
from tests.pros.test_admin_pros import change_url, form_data


@pytest.fixture
def admin_client(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture
def haifa_bay(business_settings):
    """Real towns of the gazetteer: Haifa, Nesher (about 6 km), Kiryat Ata (about 11 km)."""
    return {
        slug: CityFactory(slug=slug, name_he=he, name_en=en)
        for slug, he, en in [
            ("haifa", "חיפה", "Haifa"),
            ("nesher", "נשר", "Nesher"),
            ("kiryat-ata", "קריית אתא", "Kiryat Ata"),
            ("eilat", "אילת", "Eilat"),
        ]
    }


def test_the_base_city_and_radius_are_edited_on_the_pros_page(admin_client, haifa_bay):
    pro = ProFactory(name="Avi", trades=["plumbing"], cities=[haifa_bay["eilat"]])
    page = admin_client.get(change_url(pro))
    assert 'name="base_city"' in page.content.decode()
    assert 'name="service_radius_km"' in page.content.decode()
    data = form_data(page)
    data.update(base_city=str(haifa_bay["haifa"].pk), service_radius_km="8")

    saved = admin_client.post(change_url(pro), data, follow=True)

    assert saved.redirect_chain, saved.context["adminform"].form.errors
    assert "Cities from the radius: 2 added, 0 removed." in saved.content.decode()
    rows = ServiceArea.objects.filter(pro=pro).values_list("city__slug", "derived")
    assert set(rows) == {("eilat", False), ("haifa", True), ("nesher", True)}

    page = admin_client.get(change_url(pro))
    assert "2: חיפה, נשר" in page.content.decode()  # the cities within the radius
    data = form_data(page)
    data.update(service_radius_km="15")
    admin_client.post(change_url(pro), data)

    derived = ServiceArea.objects.filter(pro=pro, derived=True).values_list("city__slug", flat=True)
    assert set(derived) == {"haifa", "nesher", "kiryat-ata"}


def test_the_nearby_radius_is_a_business_setting(admin_client, business_settings):
    url = reverse("admin:fixi_businesssettings_change", args=[business_settings.pk])
    page = admin_client.get(url)
    assert 'name="nearby_radius_km"' in page.content.decode()
    assert "pros of the cities this close can, nearest first" in page.content.decode()
    data = {
        name: str(getattr(business_settings, name))
        for name in page.context["adminform"].form.fields
    }
    data["nearby_radius_km"] = "12"

    saved = admin_client.post(url, data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert BusinessSettings.objects.get().nearby_radius_km == 12


def test_cities_list_their_coordinates_and_names(admin_client, haifa_bay):
    page = admin_client.get(reverse("admin:pros_city_changelist")).content.decode()

    assert "حيفا" in page and "Хайфа" in page and "32.81303" in page
