"""What a pro can write: "עזרה" / "help" lists it; anything Fixi does not understand gets
the same list (never silence) and shows in the managers' inbox."""

import datetime as dt

import pytest
from django.urls import reverse

from leads import pro_conversation
from leads.conversation import process_inbound
from leads.pro_office import help as pro_help
from messaging import inbox
from messaging.models import MessageKind, OutboundMessage
from pros.models import ProCommand, ProCommandState
from tests.factories import InboundMessageFactory, ProFactory
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)
# Every command a pro has, as the pro reads it in the list.
COMMANDS = [
    "אשר / דחה",
    "בדרך",
    "סיימתי 450",
    "הצעה 450 [שירות]",
    "היום / מחר / השבוע",
    "חסום מחר",
    "לא זמין היום אחרי 14:00",
    "חופש 20-24/12",
    "פתח שישי 8-12",
    "הפסקה",
    "חזרתי",
    "עזרה",
]


@pytest.fixture
def pro():
    return ProFactory(name="Yossi Cohen")


def write(pro, text: str, **fields) -> str:
    message = InboundMessageFactory(chat_id=pro.chat_id, text=text, **fields)
    return pro_conversation.handle(message, pro, now=NOW)


def replies(pro) -> list[str]:
    return list(
        OutboundMessage.objects.filter(chat_id=pro.chat_id)
        .order_by("created_at")
        .values_list("text", flat=True)
    )


@pytest.mark.parametrize("word", ["עזרה", "help", "Help?", "תפריט"])
def test_help_lists_every_command(pro, word):
    assert write(pro, word) == "pro_help"

    [reply] = replies(pro)
    assert reply.startswith("מה אפשר לכתוב לי:")
    for command in COMMANDS:
        assert command in reply, command
    assert "לא הבנתי" not in reply
    command = ProCommand.objects.get(pro=pro)
    assert (command.command, command.state) == (pro_help.HELP, ProCommandState.ANSWERED)


def test_what_fixi_does_not_understand_gets_the_list_and_is_kept_for_a_manager(pro):
    assert write(pro, "מתי משלמים לי על החודש?") == "pro_unknown"

    [reply] = replies(pro)
    head, commands = reply.split("\n\n", 1)
    assert head == "לא הבנתי 🙂 ההודעה הועברה גם לצוות Fixi."
    assert commands.startswith("מה אפשר לכתוב לי:")
    kept = ProCommand.objects.get(pro=pro)
    assert kept.command == pro_help.NOT_UNDERSTOOD
    assert kept.text == "מתי משלמים לי על החודש?"
    assert kept.details["kind"] == MessageKind.TEXT
    assert list(pro_help.not_understood_recently()) == [kept]


def test_a_photo_without_words_is_answered_and_kept_with_its_link(pro):
    assert (
        write(pro, "", kind=MessageKind.IMAGE, media_url="https://media.example/p.jpg")
        == "pro_unknown"
    )

    kept = ProCommand.objects.get(pro=pro)
    assert kept.text == "[image]"
    assert kept.details["media_url"] == "https://media.example/p.jpg"


def test_known_words_are_not_kept_as_not_understood(pro):
    for word in ("עזרה", "היום", "הפסקה", "חזרתי", "בדרך"):
        write(pro, word)

    assert not ProCommand.objects.filter(command=pro_help.NOT_UNDERSTOOD).exists()
    assert len(replies(pro)) == 5  # each answered


def test_the_inbox_shows_pros_messages_fixi_did_not_understand(pro, admin_client):
    other = ProFactory(name="Rina Levi")
    process_inbound(
        inbox.ingest(shapes.text("יש לי שאלה על התשלום", chat_id=pro.chat_id)).inbound_id
    )
    process_inbound(inbox.ingest(shapes.text("עזרה", chat_id=other.chat_id)).inbound_id)

    page = admin_client.get(reverse("admin:leads_lead_inbox"))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="pro-messages"' in html
    assert "יש לי שאלה על התשלום" in html
    assert "Yossi Cohen" in html
    assert reverse("admin:pros_pro_change", args=[pro.pk]) in html
    assert "Rina Levi" not in html  # asking for help is understood


def test_the_inbox_leaves_out_old_ones(pro, admin_client):
    write(pro, "שאלה ישנה")
    ProCommand.objects.update(created_at=NOW - dt.timedelta(days=30))

    html = admin_client.get(reverse("admin:leads_lead_inbox")).content.decode()

    assert "שאלה ישנה" not in html
    assert 'id="pro-messages"' not in html
