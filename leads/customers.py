"""Customers as Fixi knows them from WhatsApp."""

from fixi import claims
from fixi.phones import phone_of
from leads.models import Customer


def customer_for_chat(chat_id: str, name: str = "") -> Customer:
    """The customer behind a chat id, created on first contact; races resolve to one row."""
    return customer_of_chat(chat_id, name)[0]


def customer_of_chat(chat_id: str, name: str = "") -> tuple[Customer, bool]:
    """The customer behind a chat id, and whether it was created just now (so it has no
    leads yet)."""
    customer = Customer.objects.filter(chat_id=chat_id).first()
    if customer is None:
        created = claims.insert(Customer, chat_id=chat_id, phone=phone_of(chat_id), name=name[:120])
        if created is not None:
            return created, True
        customer = Customer.objects.get(chat_id=chat_id)
    if name and not customer.name:
        if Customer.objects.filter(pk=customer.pk, name="").update(name=name[:120]):
            customer.name = name[:120]
        else:  # named by another worker a moment ago: theirs stands
            customer.refresh_from_db(fields=["name"])
    return customer, False
