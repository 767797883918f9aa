"""`{% load phones %}`: numbers in admin templates, shown the way Israelis write them and
linked to WhatsApp's click-to-chat page.

- `{{ customer.phone|phone_link }}`: a stored phone or chat id.
- `{{ phone|typed_phone_link }}`: a number as someone wrote it (a shared contact card);
  shown as written when it is no number.
"""

from django import template

from fixi import phone_admin, phones

register = template.Library()


@register.filter
def phone_link(value) -> str:
    return phone_admin.phone_link(value)


@register.filter
def typed_phone_link(value) -> str:
    try:
        return phone_admin.phone_link(phones.normalize_phone(value))
    except phones.InvalidPhone:
        return value
