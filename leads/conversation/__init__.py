"""The conversation with a customer on WhatsApp, turn by turn.

Read in this order:

- `runner`: one worker per chat; a burst of messages becomes one turn.
- `turn`: what a turn holds (the chat, the customer, the lead, the burst's messages), the
  customer's one open lead, and the dispatcher's reading of the turn.
- `handlers`: the ordered handlers; the first that owns the turn answers it.
- `outcomes`: what a turn came to, the audit actions it writes, the topics it uses.
- `corrections`: small after-the-fact corrections read without the dispatcher.

What a pro writes goes to leads.pro_conversation; the wording is in fixi.texts.
"""

from leads.conversation.runner import process_inbound

__all__ = ["process_inbound"]
