"""Who may use the WhatsApp simulator, and when it may send.

The simulator reads every conversation and posts as any pro or customer, so being staff is
not enough: it takes the `messaging.use_simulator` permission. With Green API configured a
simulated message reaches real workers and, through them, real WhatsApp users, so sending
is off unless SIMULATOR_ENABLED=1; then every simulated message is marked in the inbox.
"""

import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from messaging.models import InboundMessage
from tests.factories import CustomerFactory, InboundMessageFactory

PAGE = "/simulator/"
SEND = "/simulator/send"
MESSAGES = "/simulator/messages"
CHAT = "972541234567@c.us"
INBOUND_LIST = "/admin/messaging/inboundmessage/"


def post_json(client, body):
    return client.post(SEND, data=json.dumps(body), content_type="application/json")


def boot_of(response) -> dict:
    found = re.search(rb'id="sim-boot"[^>]*>(.*?)</script>', response.content)
    return json.loads(found.group(1))


def simulator_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="messaging", codename="use_simulator")


@pytest.fixture
def clerk(client, django_user_model):
    """Staff, and nothing more."""
    user = django_user_model.objects.create_user("clerk", password="pw-For-tests-1", is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def green_api(settings):
    settings.GREEN_API_ID = "7103000000"
    settings.GREEN_API_TOKEN = "green-api-token-for-tests"
    settings.SIMULATOR_ENABLED = False


# --- The permission -------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_without_the_permission_can_neither_read_nor_post(client, clerk):
    CustomerFactory(chat_id=CHAT, name="דנה לוי")
    InboundMessageFactory(chat_id=CHAT, text="הכתובת שלי הרצל 12")

    page = client.get(PAGE)
    feed = client.get(MESSAGES, {"chat_id": CHAT})
    sent = post_json(client, {"phone": CHAT, "name": "דנה לוי", "text": "מאשר"})

    assert (page.status_code, feed.status_code, sent.status_code) == (403, 403, 403)
    for response in (page, feed, sent):
        assert "דנה לוי".encode() not in response.content
        assert "הרצל 12".encode() not in response.content
    assert InboundMessage.objects.count() == 1  # the factory's row, nothing posted


@pytest.mark.django_db
def test_the_permission_opens_the_simulator_to_staff(client, clerk):
    clerk.user_permissions.add(simulator_permission())
    CustomerFactory(chat_id=CHAT, name="דנה לוי")

    page = client.get(PAGE)
    sent = post_json(client, {"phone": CHAT, "name": "דנה לוי", "text": "יש לי נזילה"})
    feed = client.get(MESSAGES, {"chat_id": CHAT})

    assert page.status_code == 200
    assert sent.status_code == 200
    assert sent.json()["status"] == "stored"
    assert [item["text"] for item in feed.json()["messages"]] == ["יש לי נזילה"]


@pytest.mark.django_db
def test_the_sidebar_offers_the_simulator_only_with_the_permission(client, clerk):
    without = client.get(reverse("admin:index")).content.decode()
    clerk.user_permissions.add(simulator_permission())
    with_it = client.get(reverse("admin:index")).content.decode()

    assert 'href="/simulator/"' not in without
    assert 'href="/simulator/"' in with_it


# --- Sending while Green API is configured ------------------------------------------------


@pytest.mark.django_db
def test_with_green_api_configured_sending_is_off_and_the_page_says_why(admin_client, green_api):
    page = admin_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    sent = post_json(admin_client, {"phone": CHAT, "text": "יש לי נזילה"})
    feed = admin_client.get(MESSAGES, {"chat_id": CHAT})

    assert sent.status_code == 403
    assert "SIMULATOR_ENABLED" in sent.json()["error"]
    assert not InboundMessage.objects.exists()
    assert page.status_code == 200
    assert boot_of(page)["sending"] is False
    notice = re.search(r'<div[^>]*id="sending-off"[^>]*>(.*?)</div>', page.content.decode(), re.S)
    assert notice, "the page does not say that sending is off"
    assert "Green API" in notice.group(1)
    assert "SIMULATOR_ENABLED=1" in notice.group(1)
    assert feed.status_code == 200  # reading stays open to those allowed


@pytest.mark.django_db
def test_without_green_api_sending_is_on_and_no_notice_is_shown(admin_client, settings):
    settings.GREEN_API_ID = ""
    settings.GREEN_API_TOKEN = ""
    settings.SIMULATOR_ENABLED = False

    page = admin_client.get(PAGE)
    sent = post_json(admin_client, {"phone": CHAT, "text": "יש לי נזילה"})

    assert boot_of(page)["sending"] is True
    assert 'id="sending-off"' not in page.content.decode()
    assert sent.status_code == 200


@pytest.mark.django_db
def test_simulator_enabled_lets_it_send_and_the_inbox_marks_each_simulated_message(
    admin_client, green_api, settings
):
    settings.SIMULATOR_ENABLED = True
    real = InboundMessageFactory(chat_id="972509999999@c.us", text="הודעה אמיתית")

    page = admin_client.get(PAGE)
    sent = post_json(admin_client, {"phone": CHAT, "name": "דנה", "text": "בדיקה מהסימולטור"})
    simulated = InboundMessage.objects.get(pk=sent.json()["id"])
    listing = admin_client.get(INBOUND_LIST, HTTP_ACCEPT_LANGUAGE="en")
    only_simulated = admin_client.get(INBOUND_LIST, {"source": "simulator"})
    only_whatsapp = admin_client.get(INBOUND_LIST, {"source": "whatsapp"})
    detail = admin_client.get(
        reverse("admin:messaging_inboundmessage_change", args=[simulated.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    real_detail = admin_client.get(
        reverse("admin:messaging_inboundmessage_change", args=[real.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert boot_of(page)["sending"] is True
    assert sent.status_code == 200
    rows = re.findall(r"<tr[^>]*>.*?</tr>", listing.content.decode(), re.S)
    simulated_row = next(row for row in rows if "בדיקה מהסימולטור" in row)
    real_row = next(row for row in rows if "הודעה אמיתית" in row)
    assert 'data-source="simulator"' in simulated_row
    assert "Simulator" in simulated_row
    assert 'data-source="simulator"' not in real_row
    assert [row.pk for row in only_simulated.context["cl"].result_list] == [simulated.pk]
    assert [row.pk for row in only_whatsapp.context["cl"].result_list] == [real.pk]
    assert 'data-source="simulator"' in detail.content.decode()
    assert 'data-source="simulator"' not in real_detail.content.decode()
