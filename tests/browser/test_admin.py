"""The manager's admin in Chromium: logging in, the dashboard, adding a pro with a price
list, and switching the admin to Hebrew."""

import re
from decimal import Decimal

import pytest

from pros.models import Pro
from tests.browser.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


def test_a_manager_logs_in_through_the_login_form(page, staff_user, expect):
    # Given: a manager who is not logged in opens the admin
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))

    # When: they type their user name and password
    page.fill("#id_username", staff_user.username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.locator("#login-form [type=submit]").click()

    # Then: they land on the dashboard, logged in
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#main")).to_contain_text("WhatsApp instance")
    expect(page.locator("#login-form")).to_have_count(0)


def test_the_dashboard_draws_its_chart(admin_page, expect):
    admin_page.goto("/admin/")

    expect(admin_page.locator("#content canvas").first).to_be_visible()


def test_a_manager_adds_a_pro_with_a_price_list(admin_page, expect):
    # Given: the add form for a pro
    admin_page.goto("/admin/pros/pro/add/")

    # When: the manager fills in the pro and one row of the price list, and saves
    admin_page.fill("#id_name", "יוסי האינסטלטור")
    admin_page.fill("#id_phone", "052-7654321")
    admin_page.fill("#id_price_items-0-service", "פתיחת סתימה")
    admin_page.fill("#id_price_items-0-price", "250")
    admin_page.locator("[name=_save]").click()

    # Then: the admin is back on the list of pros, and the pro and price are stored
    expect(admin_page).to_have_url(re.compile(r"/admin/pros/pro/$"))
    expect(admin_page.locator("#result_list")).to_contain_text("יוסי האינסטלטור")
    pro = Pro.objects.get(name="יוסי האינסטלטור")
    assert pro.chat_id == "972527654321@c.us"
    assert list(pro.price_items.values_list("service", "price")) == [
        ("פתיחת סתימה", Decimal("250"))
    ]


def test_a_manager_switches_the_admin_to_hebrew(admin_page, expect):
    # Given: the admin in the browser's language, English, left to right
    admin_page.goto("/admin/")
    html = admin_page.locator("html")
    expect(html).to_have_attribute("dir", "ltr")

    # When: the manager picks Hebrew in the menu under their name
    admin_page.get_by_text("manager@example.com").click()  # the foot of the sidebar
    admin_page.locator("form:has(input[name=language][value=he]) [type=submit]").click()

    # Then: the admin is in Hebrew and right to left, on this page and the next
    expect(html).to_have_attribute("lang", "he")
    expect(html).to_have_attribute("dir", "rtl")
    admin_page.goto("/admin/pros/pro/")
    expect(html).to_have_attribute("dir", "rtl")
