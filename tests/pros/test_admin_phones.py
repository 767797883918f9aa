"""Pros' phones in the admin: shown as Israelis write them with a WhatsApp link, typed in
any common spelling, refused when WhatsApp cannot reach them, found as they are shown."""

import pytest
from django.urls import reverse

from fixi.models import BusinessSettings
from pros.models import Pro
from tests.factories import ProFactory
from tests.pros.test_admin_pros import change_url, form_data

WA_LINK = 'href="https://wa.me/972541234567"'


@pytest.fixture
def admin_client(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture
def pro(db):
    BusinessSettings.objects.update_or_create(key="default", defaults={"max_pro_load": 5})
    return ProFactory(name="Avi Cohen", phone="972541234567")


def test_the_list_shows_the_number_nationally_with_a_whatsapp_link(admin_client, pro):
    page = admin_client.get(reverse("admin:pros_pro_changelist")).content.decode()

    assert WA_LINK in page
    assert ">054-123-4567</a>" in page
    assert ">972541234567<" not in page


def test_the_change_page_shows_the_number_nationally_with_a_whatsapp_link(admin_client, pro):
    page = admin_client.get(change_url(pro)).content.decode()

    assert 'name="phone"' in page and 'value="054-123-4567"' in page  # the input
    assert WA_LINK in page and ">054-123-4567</a>" in page  # read-only, with the link


@pytest.mark.parametrize(
    "typed", ["+972 (0)54-765-4321", "054 765 4321", "00972547654321", "(054) 765-4321"]
)
def test_a_number_typed_any_common_way_is_stored_internationally(admin_client, pro, typed):
    data = {**form_data(admin_client.get(change_url(pro))), "phone": typed}

    saved = admin_client.post(change_url(pro), data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    pro.refresh_from_db()
    assert (pro.phone, pro.chat_id) == ("972547654321", "972547654321@c.us")


def test_posting_the_shown_number_back_changes_nothing(admin_client, pro):
    response = admin_client.get(change_url(pro))
    data = form_data(response)
    assert data["phone"] == "054-123-4567"

    form = response.context["adminform"].form.__class__(data, instance=pro)
    assert "phone" not in form.changed_data
    assert admin_client.post(change_url(pro), data).status_code == 302
    pro.refresh_from_db()
    assert pro.phone == "972541234567"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("03-1234567", "“03-1234567” is a landline: WhatsApp messages cannot reach it."),
        ("054-12", "“054-12” is not a phone number: it has too few digits."),
        ("0000000000", "“0000000000” is not a phone number: +972 has no such numbers."),
        ("abc", "“abc” is not a phone number."),
        ("054-7654321 ext. 3", "“054-7654321 ext. 3” has an extension (3)."),
    ],
)
def test_a_number_whatsapp_cannot_reach_is_refused_on_the_form(admin_client, pro, typed, error):
    data = {**form_data(admin_client.get(change_url(pro))), "phone": typed}

    response = admin_client.post(change_url(pro), data)

    assert response.status_code == 200
    assert error in " ".join(response.context["adminform"].form.errors["phone"])
    pro.refresh_from_db()
    assert pro.phone == "972541234567"


def test_the_refusal_is_in_hebrew_for_a_hebrew_admin(admin_client, pro):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "he"
    data = {**form_data(admin_client.get(change_url(pro))), "phone": "03-1234567"}

    response = admin_client.post(change_url(pro), data)

    assert "קו נייח" in " ".join(response.context["adminform"].form.errors["phone"])


def test_another_pros_number_in_another_spelling_is_a_form_error(admin_client, pro):
    other = ProFactory(name="Beni", phone="0547654321")
    data = {**form_data(admin_client.get(change_url(other))), "phone": "+972 54-123-4567"}

    response = admin_client.post(change_url(other), data)

    assert response.status_code == 200  # a message on the form, not an error page
    assert response.context["adminform"].form.errors["phone"]
    assert Pro.objects.get(pk=other.pk).phone == "972547654321"


@pytest.mark.parametrize("searched", ["054-123-4567", "054 123 4567", "+972 54 123", "0541234567"])
def test_a_pro_is_found_by_the_number_as_shown_or_typed(admin_client, pro, searched):
    ProFactory(name="Beni", phone="0527654321")

    response = admin_client.get(reverse("admin:pros_pro_changelist"), {"q": searched})

    assert [p.name for p in response.context["cl"].result_list] == ["Avi Cohen"]
