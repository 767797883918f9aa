"""A file link from a webhook is kept only when it is a web address (http or https), and no
stored link becomes a clickable `javascript:` (or `data:`, `vbscript:`...) link in the admin,
whatever was stored before."""

import html
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from messaging.models import InboundMessage, MessageKind, OutboundKind, OutboundMessage
from messaging.payloads import normalise
from tests.factories import InboundMessageFactory
from tests.messaging import shapes

HOSTILE = [
    "javascript:alert('fixi-xss')",
    "JaVaScRiPt:alert('fixi-xss')",
    "  javascript:alert('fixi-xss')",
    "java\tscript:alert('fixi-xss')",
    "\x01javascript:alert('fixi-xss')",
    "vbscript:msgbox('fixi-xss')",
    "data:text/html;base64,PHNjcmlwdD5maXhpLXhzczwvc2NyaXB0Pg==#fixi-xss",
    "file:///etc/passwd#fixi-xss",
    "ftp://files.example.com/fixi-xss.jpg",
    "//evil.example.com/fixi-xss.jpg",
    "https:/fixi-xss",
]
WEB = [
    "https://do-media-7105.fra1.digitaloceanspaces.com/7105/photo.jpg",
    "http://media.example.com/a.ogg?x=1&y=2",
    "HTTPS://res.cloudinary.com/demo/image/upload/v1/leak.jpg",
]


def with_link(shape, url: str) -> dict:
    payload = shape()
    payload["messageData"]["fileMessageData"]["downloadUrl"] = url
    return payload


def links_in(page: str) -> list[str]:
    """Every href and src the page would follow, as the browser reads them."""
    return [html.unescape(v) for v in re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', page)]


# --- Reading payloads -----------------------------------------------------------------------


@pytest.mark.parametrize("url", HOSTILE)
@pytest.mark.parametrize("shape", [shapes.image, shapes.video, shapes.voice, shapes.document])
def test_a_link_that_is_not_a_web_address_is_read_as_none_and_nothing_else_is_lost(shape, url):
    expected = normalise(shape())

    message = normalise(with_link(shape, url))

    assert message.media_url == ""
    assert (message.kind, message.text, message.media_mime_type, message.file_name) == (
        expected.kind,
        expected.text,
        expected.media_mime_type,
        expected.file_name,
    )


@pytest.mark.parametrize("url", WEB)
def test_web_addresses_are_kept_as_sent(url):
    assert normalise(with_link(shapes.image, url)).media_url == url


@pytest.mark.django_db
def test_the_webhook_stores_no_javascript_link_and_keeps_the_payload(client, admin_client):
    payload = with_link(shapes.image, "javascript:alert('fixi-xss')")

    response = client.post("/webhook", data=json.dumps(payload), content_type="application/json")
    stored = InboundMessage.objects.get()
    page = admin_client.get(
        reverse("admin:messaging_inboundmessage_change", args=[stored.pk])
    ).content.decode()

    assert response.status_code == 200
    assert stored.media_url == ""
    assert (stored.kind, stored.text) == (MessageKind.IMAGE, "הנזילה")
    assert stored.raw["messageData"]["fileMessageData"]["downloadUrl"] == (
        "javascript:alert('fixi-xss')"
    )
    assert [link for link in links_in(page) if "fixi-xss" in link] == []


# --- Rendering what is stored ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", HOSTILE)
def test_a_stored_hostile_media_link_is_shown_as_text_not_as_a_link(admin_client, url):
    message = InboundMessageFactory(kind=MessageKind.IMAGE, media_url=url)

    page = admin_client.get(
        reverse("admin:messaging_inboundmessage_change", args=[message.pk])
    ).content.decode()

    assert [link for link in links_in(page) if "fixi-xss" in link] == []


@pytest.mark.django_db
def test_a_stored_web_media_link_is_a_link(admin_client):
    url = "https://do-media-7105.fra1.digitaloceanspaces.com/7105/fixi-ok.jpg"
    message = InboundMessageFactory(kind=MessageKind.IMAGE, media_url=url)

    page = admin_client.get(
        reverse("admin:messaging_inboundmessage_change", args=[message.pk])
    ).content.decode()

    assert url in links_in(page)


@pytest.fixture
def outbox_reader(client, django_user_model):
    """Staff who may look at the outbox but not change it: every field is read-only."""
    user = django_user_model.objects.create_user("reader", password="pw-For-tests-1", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="messaging", codename="view_outboundmessage")
    )
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("javascript:alert('fixi-xss')", False),
        ("data:text/html,<script>fixi-xss</script>", False),
        ("https://res.cloudinary.com/demo/raw/upload/fixi-ok.pdf", True),
    ],
)
def test_an_outbox_file_link_is_a_link_only_when_it_is_a_web_address(outbox_reader, url, linked):
    message = OutboundMessage.objects.create(
        chat_id="972501234567@c.us", kind=OutboundKind.FILE, text="", file_url=url
    )

    response = outbox_reader.get(
        reverse("admin:messaging_outboundmessage_change", args=[message.pk])
    )

    assert response.status_code == 200
    links = [link for link in links_in(response.content.decode()) if "fixi-" in link]
    assert links == ([url] if linked else [])


@pytest.mark.django_db
def test_the_editable_outbox_page_does_not_link_a_hostile_file_link(admin_client):
    message = OutboundMessage.objects.create(
        chat_id="972501234567@c.us",
        kind=OutboundKind.FILE,
        text="",
        file_url="javascript:alert('fixi-xss')",
    )

    response = admin_client.get(
        reverse("admin:messaging_outboundmessage_change", args=[message.pk])
    )

    assert response.status_code == 200
    assert 'name="file_url"' in response.content.decode()  # still editable by those who may
    assert [link for link in links_in(response.content.decode()) if "fixi-xss" in link] == []
