"""Phone numbers in the admin: typed any common way, shown the way Israelis write them
with WhatsApp's click-to-chat link, and found by search in the form they are shown.

The stored form (international digits, chat ids) never changes here; fixi.phones reads
and formats, fixi.links vets the link. Refusals are worded for the manager, in the admin's
language.
"""

from functools import reduce
from operator import attrgetter, or_

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display
from unfold.widgets import UnfoldAdminTextInputWidget

from fixi import phones
from fixi.links import web_url
from fixi.phones import InvalidPhone, Reason

LINK_CLASS = "text-primary-600 dark:text-primary-500 underline whitespace-nowrap"

REFUSALS = {
    Reason.NOT_A_NUMBER: _("“%(raw)s” is not a phone number."),
    Reason.TOO_SHORT: _("“%(raw)s” is not a phone number: it has too few digits."),
    Reason.TOO_LONG: _("“%(raw)s” is not a phone number: it has too many digits."),
    Reason.UNKNOWN_COUNTRY: _("“%(raw)s” is not a phone number: there is no such country code."),
    Reason.NOT_IN_PLAN: _("“%(raw)s” is not a phone number: +%(code)s has no such numbers."),
    Reason.EXTENSION: _(
        "“%(raw)s” has an extension (%(extension)s). WhatsApp reaches a phone, not an "
        "extension: write the person's own number without it."
    ),
    Reason.GROUP: _("“%(raw)s” is a WhatsApp group, not a phone number."),
    Reason.NOT_WHATSAPP: _(
        "“%(raw)s” is %(kind)s: WhatsApp messages cannot reach it. Write a mobile number."
    ),
}
KINDS = {
    "a landline": _("a landline"),
    "a VoIP line": _("a VoIP line"),
    "a toll-free number": _("a toll-free number"),
    "a premium-rate number": _("a premium-rate number"),
    "a shared-cost number": _("a shared-cost number"),
    "a company's switchboard number": _("a company's switchboard number"),
    "a voicemail access number": _("a voicemail access number"),
    "a pager": _("a pager"),
    "a forwarding (personal) number": _("a forwarding (personal) number"),
    phones.NOT_MOBILE: _("not a mobile number"),
}


def refusal(error: InvalidPhone) -> str:
    """Why the number was refused, in the active language."""
    return str(REFUSALS[error.reason]) % {
        "raw": str(error.raw),
        "code": error.code,
        "extension": error.extension,
        "kind": KINDS.get(error.kind, error.kind),
    }


def phone_link(value) -> str:
    """A stored phone or chat id as shown to a manager: '054-123-4567' linked to
    https://wa.me/972541234567; a group or a value that is no number as plain text."""
    shown = phones.national(value)
    href = web_url(phones.wa_me_url(value))
    if not href:
        return shown or "—"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener noreferrer" dir="ltr" class="{}" '
        'title="{}">{}</a>',
        href,
        LINK_CLASS,
        _("Chat on WhatsApp"),
        shown,
    )


def phone_column(path: str, description, ordering: str | None = None):
    """A list column (or read-only field) showing the phone at `path` ('phone',
    'customer__phone', 'chat_id') with its WhatsApp link."""
    getter = attrgetter(path.replace("__", "."))

    @display(description=description, ordering=ordering or path)
    def column(model_admin, obj):
        try:
            value = getter(obj)
        except AttributeError:  # a related row not there (yet)
            return "—"
        return phone_link(value)

    return column


class PhoneFormField(forms.CharField):
    """A phone typed any common way (054-1234567, +972 54..., 00972...): the input shows
    the stored number nationally, the cleaned value is the stored international digits."""

    widget = UnfoldAdminTextInputWidget

    def __init__(self, *, reader=phones.normalize_phone, **kwargs):
        self.reader = reader
        kwargs.pop("max_length", None)  # the stored form's length, not the typed one's
        super().__init__(max_length=phones.MAX_INPUT, **kwargs)

    def prepare_value(self, value):
        return phones.national(value) if value else value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return self.reader(value)
        except InvalidPhone as error:
            raise ValidationError(refusal(error), code=str(error.reason)) from None


class PhoneAdminMixin:
    """For a ModelAdmin: `whatsapp_fields` are typed as numbers Fixi must reach on WhatsApp
    (no landlines), `phone_fields` as any number; `phone_search_fields` are found by a
    number searched in any spelling ('054-123-4567', '054 123', '+972 54...')."""

    whatsapp_fields: tuple[str, ...] = ()
    phone_fields: tuple[str, ...] = ()
    phone_search_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is None:
            return field
        if db_field.name in self.whatsapp_fields:
            reader, hint = phones.whatsapp_phone, _("A mobile number, written any common way.")
        elif db_field.name in self.phone_fields:
            reader, hint = phones.normalize_phone, _("Written any common way.")
        else:
            return field
        return PhoneFormField(
            reader=reader,
            required=field.required,
            label=field.label,
            help_text=field.help_text or hint,
        )

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = phones.search_digits(search_term)
        if not digits or not self.phone_search_fields:
            return found, may_have_duplicates
        by_phone = reduce(or_, (Q(**{f"{f}__contains": digits}) for f in self.phone_search_fields))
        return found | queryset.filter(by_phone), may_have_duplicates
