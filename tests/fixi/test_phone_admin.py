"""Every admin page that lists or shows a phone shows it as Israelis write it, linked to
WhatsApp's click-to-chat page, and finds it when searched as shown (the pros' pages are
in tests/pros/test_admin_phones.py)."""

import pytest
from django.urls import reverse

from leads.models import Customer, LeadStatus, SosReport
from messaging.models import InboundMessage, OutboundMessage
from tests.factories import CustomerFactory, InboundMessageFactory, LeadFactory, ProFactory

pytestmark = pytest.mark.django_db

CHAT = "972541234567@c.us"
SHOWN = ">054-123-4567</a>"
LINK = 'href="https://wa.me/972541234567"'
GROUP = "120363043968066561@g.us"


@pytest.fixture
def manager(admin_client):
    admin_client.cookies["django_language"] = "en"
    return admin_client


@pytest.fixture
def lead():
    customer = CustomerFactory(chat_id=CHAT, phone="972541234567", name="Dana Levi")
    return LeadFactory(customer=customer, status=LeadStatus.NEW)


def page(client, name: str, *args, **params) -> str:
    response = client.get(reverse(f"admin:{name}", args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def shows_the_number(html: str) -> bool:
    return LINK in html and SHOWN in html and 'rel="noopener noreferrer"' in html


def test_the_leads_list_and_the_leads_page_show_the_customers_number(manager, lead):
    assert shows_the_number(page(manager, "leads_lead_changelist"))
    assert shows_the_number(page(manager, "leads_lead_change", lead.pk))


def test_the_inbox_and_the_conversation_show_the_customers_number(manager, lead):
    assert shows_the_number(page(manager, "leads_lead_inbox"))
    assert shows_the_number(page(manager, "leads_lead_conversation", lead.pk))


def test_the_customers_list_and_page_show_the_number_and_leave_it_read_only(manager, lead):
    customer = lead.customer
    change = page(manager, "leads_customer_change", customer.pk)

    assert shows_the_number(page(manager, "leads_customer_changelist"))
    assert shows_the_number(change)
    assert 'name="phone"' not in change and 'name="chat_id"' not in change
    assert 'name="name"' in change


def test_a_customer_added_by_hand_has_the_number_in_the_stored_form(manager):
    response = manager.post(
        reverse("admin:leads_customer_add"),
        {"chat_id": CHAT, "phone": "054 123 4567", "name": "Dana", "language": "he"},
    )

    assert response.status_code == 302
    assert Customer.objects.get().phone == "972541234567"


def test_a_customer_without_a_name_is_named_by_the_national_number(lead):
    lead.customer.name = ""
    assert str(lead.customer) == "054-123-4567"


def test_messages_lists_and_pages_show_the_chats_number(manager):
    inbound = InboundMessageFactory(chat_id=CHAT)
    outbound = OutboundMessage.objects.create(chat_id=CHAT, text="שלום")

    assert shows_the_number(page(manager, "messaging_inboundmessage_changelist"))
    assert shows_the_number(page(manager, "messaging_inboundmessage_change", inbound.pk))
    assert shows_the_number(page(manager, "messaging_outboundmessage_changelist"))
    assert shows_the_number(page(manager, "messaging_outboundmessage_change", outbound.pk))


def test_a_group_chat_is_shown_as_its_id_with_no_link(manager):
    OutboundMessage.objects.create(chat_id=GROUP, text="🆘")

    html = page(manager, "messaging_outboundmessage_changelist")

    assert GROUP in html
    assert "wa.me" not in html


def test_an_sos_report_shows_whom_it_was_sent_to(manager):
    report = SosReport.objects.create(text="🆘", lead_count=0, sent_to=CHAT)

    assert shows_the_number(page(manager, "leads_sosreport_changelist"))
    assert shows_the_number(page(manager, "leads_sosreport_change", report.pk))


def test_a_number_abroad_is_shown_in_international_form(manager):
    CustomerFactory(chat_id="447911123456@c.us", phone="447911123456", name="Tom")

    html = page(manager, "leads_customer_changelist")

    assert 'href="https://wa.me/447911123456"' in html and ">+44 7911 123456</a>" in html


@pytest.mark.parametrize("searched", ["054-123-4567", "054 123 4567", "+972 54 123 4567"])
def test_leads_customers_and_messages_are_found_by_the_number_as_shown(manager, lead, searched):
    other = CustomerFactory(chat_id="972527654321@c.us", phone="972527654321", name="Avi")
    LeadFactory(customer=other)
    InboundMessageFactory(chat_id=CHAT)
    InboundMessageFactory(chat_id=other.chat_id)

    def found(name):
        response = manager.get(reverse(f"admin:{name}"), {"q": searched})
        return list(response.context["cl"].result_list)

    assert found("leads_lead_changelist") == [lead]
    assert found("leads_customer_changelist") == [lead.customer]
    assert [m.chat_id for m in found("messaging_inboundmessage_changelist")] == [CHAT]
    assert InboundMessage.objects.count() == 2


def test_the_search_by_number_keeps_the_lists_filters(manager, lead):
    # Given another customer whose number starts the same, with a cancelled lead
    neighbour = CustomerFactory(chat_id="972541239999@c.us", phone="972541239999")
    LeadFactory(customer=neighbour, status=LeadStatus.CANCELLED)

    both = manager.get(reverse("admin:leads_lead_changelist"), {"q": "054-123"})
    new_only = manager.get(
        reverse("admin:leads_lead_changelist"), {"q": "054-123", "status__exact": "new"}
    )

    assert both.context["cl"].result_count == 2
    assert list(new_only.context["cl"].result_list) == [lead]


def test_the_pros_inbox_row_links_the_pros_number(manager):
    from leads.pro_office.help import NOT_UNDERSTOOD
    from pros.models import ProCommand

    pro = ProFactory(name="Yossi", phone="0541234567")
    ProCommand.objects.create(pro=pro, text="מה קורה?", command=NOT_UNDERSTOOD)

    assert shows_the_number(page(manager, "leads_lead_inbox"))


def test_a_shared_contact_cards_numbers_are_linked(manager, lead):
    from messaging import inbox
    from tests.messaging import shapes

    inbox.ingest(shapes.contact("Yossi Cohen", "TEL:+972 52-765-4321", chat_id=CHAT))

    html = page(manager, "leads_lead_conversation", lead.pk)
    thread = html[html.index('id="conversation"') :]

    assert 'href="https://wa.me/972527654321"' in thread and ">052-765-4321</a>" in thread
