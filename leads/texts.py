"""What Fixi says to customers, in their language."""

TEXTS = {
    "received": {
        "he": "שלום{name}! קיבלנו את הפנייה שלך ל-Fixi ונחזור אליך בהקדם עם בעל מקצוע מתאים.",
        "en": "Hi{name}! Fixi got your request and will get back to you shortly "
        "with the right pro.",
    },
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


def name_part(name: str) -> str:
    first = (name or "").split()[0] if name and name.split() else ""
    return f" {first}" if first else ""
