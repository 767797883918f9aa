"""Races made to happen: a competing write that lands between a read and a conditional
update, at the same place on every run.

`competing(rules)` wraps Django's `QuerySet.update` (Django's, not Fixi's: the code under
test runs unchanged). Each rule is (model, when, step): the first update on `model` for
which `when(queryset, values)` holds runs `step()` first, a real second actor going
through Fixi's workflow and the ORM, and then the update itself. Each rule fires once;
the updates that `step` makes do not fire rules. The context yields the names of the
rules that fired, so a test can say that its race really happened (or, after a fix,
that the window it needed is gone).

It works the same on both lanes: it sits above the database backend.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass
class Rule:
    name: str
    model: type
    when: Callable[[QuerySet, dict], bool]
    step: Callable[[], object]


@contextlib.contextmanager
def competing(*rules: Rule):
    original = QuerySet.update
    fired: list[str] = []
    busy = []

    def update(self, **values):
        if not busy:
            for rule in rules:
                if rule.name in fired or self.model is not rule.model:
                    continue
                busy.append(rule)
                try:
                    if rule.when(self, values):
                        fired.append(rule.name)
                        rule.step()
                finally:
                    busy.pop()
        return original(self, **values)

    QuerySet.update = update
    try:
        yield fired
    finally:
        QuerySet.update = original


def targets(queryset: QuerySet, obj) -> bool:
    """Whether the update's queryset would match `obj` as the rows stand now."""
    return queryset.filter(pk=obj.pk).exists()
