"""The machinery behind the reactions to changes. The list itself is `knotenpunkt/reactions.py`:
it names the higher domains' functions, so this app, at the bottom of the graph, imports none of them.

A reaction gets the batch of changes of one transaction that match its kinds (each with
`actor_ids` and `person_ids`), once per transaction, in the order of the list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reaction:
    name: str
    run: Callable[[list], None]
    # The change kinds this reaction follows; None: every kind.
    kinds: frozenset[str] | None = None
    # False: inside the transaction, committed or rolled back with the change (derived rows).
    # True: after the commit (work that leaves the database: tasks, mail).
    after_commit: bool = False
    # Only changes visible to the public (the page cache).
    public_only: bool = False

    def matching(self, batch: list) -> list:
        return [
            change
            for change in batch
            if (self.kinds is None or change.kind in self.kinds) and (not self.public_only or change.public)
        ]


def _reactions() -> list[Reaction]:
    return import_string(getattr(settings, "KNOTENPUNKT_REACTIONS", "knotenpunkt.reactions.REACTIONS"))


def _run(batch: list, *, after_commit: bool) -> None:
    for reaction in _reactions():
        if reaction.after_commit != after_commit:
            continue
        matching = reaction.matching(batch)
        if matching:
            reaction.run(matching)


def run_in_transaction(batch: list) -> None:
    _run(batch, after_commit=False)


def run_after_commit(batch: list) -> None:
    _run(batch, after_commit=True)
