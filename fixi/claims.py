"""A row whose unique key is a claim: created by exactly one of the workers that try.

`insert(Model, **fields)` creates the row, or returns None when a unique key says another
worker created it first. The statement is the claim, so it needs no transaction of its
own: outside a transaction (a worker's task, in autocommit) a failed insert leaves the
connection usable, and the insert is one statement. Inside a caller's transaction it is
wrapped in a savepoint, so the caller's block stays usable after a lost race. Both hold on
SQLite and MongoDB.
"""

from django.db import IntegrityError, router, transaction


def insert(model, **fields):
    """The new row, or None when it exists already (the unique key was taken)."""
    connection = transaction.get_connection(router.db_for_write(model))
    try:
        if connection.in_atomic_block:
            with transaction.atomic(using=connection.alias):
                return model.objects.create(**fields)
        return model.objects.create(**fields)
    except IntegrityError:
        return None
