"""`{% load phones %}{{ customer.phone|phone_link }}`: a stored phone or chat id shown the
way Israelis write it, linked to WhatsApp's click-to-chat page."""

from django import template

from fixi import phone_admin, phones

register = template.Library()


@register.filter
def phone_link(value) -> str:
    return phone_admin.phone_link(value)


@register.filter
def national_phone(value) -> str:
    return phones.national(value)
