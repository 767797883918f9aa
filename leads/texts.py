"""What Fixi says to customers, in their language."""

TEXTS = {
    "flood": {
        "he": "קיבלנו הרבה הודעות ממך בדקה האחרונה 🙏 נעבור עליהן ונחזור אליך. "
        "אפשר לכתוב שוב בעוד דקה.",
        "en": "We got a lot of messages from you in the last minute 🙏 We'll go through them "
        "and get back to you. You can write again in a minute.",
    },
}


def text(key: str, language: str, **values) -> str:
    template = TEXTS[key].get(language) or TEXTS[key]["he"]
    return template.format(**values)


def first_name(customer) -> str:
    return customer.first_name if customer is not None else ""
