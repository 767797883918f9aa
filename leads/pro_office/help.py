"""What a pro can write: "עזרה" / "help" lists it, and so does any message Fixi does not
understand, so a pro never meets silence.

A message Fixi did not understand is kept as a ProCommand of its own kind (NOT_UNDERSTOOD)
with what the pro sent, and the managers' inbox lists the recent ones above the customers'
conversations (`not_understood_recently`): a pro who asked something Fixi cannot answer
reaches a person.
"""

import datetime as dt

from django.utils import timezone

from fixi import texts
from messaging import outbox
from messaging.choices import plain_text
from pros.models import Pro, ProCommand, ProCommandState

HELP = "help"
NOT_UNDERSTOOD = "not_understood"
TOPIC = "pro:help"
WORDS = {"עזרה", "תפריט", "פקודות", "מה אפשר", "help", "menu", "commands"}
INBOX_WINDOW = dt.timedelta(days=3)  # how long a pro's message stays listed in the inbox
INBOX_LIMIT = 20


def handle(message, pro: Pro, now: dt.datetime) -> str | None:
    if plain_text(message.text) not in WORDS:
        return None
    outbox.queue_text(pro.chat_id, texts.pro_help(), topic=TOPIC)
    ProCommand.objects.create(
        pro=pro,
        text=message.text,
        command=HELP,
        state=ProCommandState.ANSWERED,
        outcome="sent the list of commands; nothing changed",
    )
    return "pro_help"


def not_understood(message, pro: Pro, now: dt.datetime) -> str:
    """The last word on a pro's message: the list of commands, and the message kept where
    a manager sees it."""
    outbox.queue_text(pro.chat_id, texts.pro_help(not_understood=True), topic=TOPIC)
    details = {"kind": message.kind, "inbound": str(message.pk)}
    if message.media_url:
        details["media_url"] = message.media_url
    ProCommand.objects.create(
        pro=pro,
        text=message.text or f"[{message.kind}]",
        command=NOT_UNDERSTOOD,
        state=ProCommandState.ANSWERED,
        details=details,
        outcome="not understood: sent the list of commands; listed in the inbox",
    )
    return "pro_unknown"


def not_understood_recently(now: dt.datetime | None = None):
    """Pros' messages Fixi did not understand in the last few days, newest first."""
    since = (now or timezone.now()) - INBOX_WINDOW
    return (
        ProCommand.objects.select_related("pro")
        .filter(command=NOT_UNDERSTOOD, created_at__gte=since)
        .order_by("-created_at")[:INBOX_LIMIT]
    )
