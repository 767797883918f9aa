"""A manager generating a pro's free slots through the admin form in Chromium."""

import datetime as dt

import pytest
from django.utils import timezone

from scheduling.models import Slot
from tests.factories import ProFactory

pytestmark = pytest.mark.browser


def test_a_manager_generates_slots_for_a_pro(admin_page, expect):
    # Given: a pro with no slots, and the generator's form
    pro = ProFactory(name="Yossi Cohen")
    admin_page.goto("/admin/scheduling/slot/generate/")

    # When: the manager asks for a week of two-hour slots from 08:00 to 12:00
    form = admin_page.locator("#generate-form")
    form.locator("select[name=pro]").select_option(str(pro.pk))
    form.locator("input[name=days]").fill("7")
    form.locator("input[name=duration]").fill("120")
    form.locator("input[name=start]").fill("08:00")
    form.locator("input[name=end]").fill("12:00")
    form.locator("[type=submit]").click()

    # Then: the page reports what it made, which is what the database holds
    created = admin_page.locator(f"#generate-results tr[data-pro='{pro.pk}'] [data-figure=created]")
    expect(created).to_be_visible()
    made = Slot.objects.filter(pro=pro)
    assert made.exists()
    expect(created).to_have_text(str(made.count()))
    assert {slot.end - slot.start for slot in made} == {dt.timedelta(hours=2)}
    local_hours = {timezone.localtime(slot.start).hour for slot in made}
    assert local_hours <= {8, 10}
