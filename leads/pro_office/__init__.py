"""The pro's office on WhatsApp: what a pro writes to run the day besides answering a job.

Each module here offers `handle(message, pro, now) -> str | None`: an outcome (a short
string kept for logs and tests) when the message was its command and it answered the pro,
None to pass the message on. `leads.pro_conversation.handle` reads the job buttons
(approve, reject) first, then tries `commands()` in order, then "בדרך" / "סיימתי", and
answers anything else with the help list.
"""


def commands() -> list:
    """The office's handlers, in the order they are tried (imported here, not at module
    level, because they use leads.pro_conversation's job functions)."""
    # One import and one entry a line, so each command is added or moved on its own.
    import leads.pro_office.agenda
    import leads.pro_office.availability
    import leads.pro_office.help
    import leads.pro_office.pause
    import leads.pro_office.prices

    return [
        leads.pro_office.availability.handle,  # first: a pending "1" / "2" is its answer
        leads.pro_office.help.handle,
        leads.pro_office.pause.handle,
        leads.pro_office.agenda.handle,
        leads.pro_office.prices.handle,  # before pro_conversation's own "סיימתי"
    ]
