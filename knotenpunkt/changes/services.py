"""Recording changes: `record()` inside `atomic()`; the reactions run when the outermost block ends.

Every service of every domain does its work like this:

    @changes.atomic
    def tie_create(*, user, ...):
        tie = Tie.objects.create(...)
        changes.record(user=user, kind=ChangeKind.TIE_CREATED, record=tie, actors=[...], ...)
        return tie

`atomic` is `transaction.atomic` plus one thing: when the outermost `changes.atomic` block ends
without an error, the reactions listed in `knotenpunkt/reactions.py` run for the changes recorded
inside it — those that keep derived rows (search index, tie counts, page-cache generation) still
inside the transaction, so they commit or roll back with the change itself; those that leave the
database (tasks, mail) after the commit. A service calling another service inside its block (an
introduction creating a tie) makes one batch; a rolled-back savepoint drops its changes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction

from knotenpunkt.changes import reactions
from knotenpunkt.changes.kinds import Audience
from knotenpunkt.changes.models import Change, ChangeSubject, SubjectKind

log = logging.getLogger(__name__)
_restoring: ContextVar[int | None] = ContextVar("knotenpunkt_restoring", default=None)
_paused: ContextVar[bool] = ContextVar("knotenpunkt_recording_paused", default=False)
_all_or_nothing: ContextVar[bool] = ContextVar("knotenpunkt_all_or_nothing", default=False)
_deferred: ContextVar[list | None] = ContextVar("knotenpunkt_deferred_changes", default=None)


class _State:
    __slots__ = ("depth", "pending")

    def __init__(self):
        self.depth = 0
        self.pending: list[Change] = []


def _state() -> _State:
    connection = connections[DEFAULT_DB_ALIAS]
    state = getattr(connection, "_knotenpunkt_changes", None)
    if state is None:
        state = connection._knotenpunkt_changes = _State()
    return state


class _Atomic:
    def __enter__(self):
        # Inside `all_or_nothing()`, a service's block is part of the outer transaction, without a
        # savepoint of its own (two round trips per service saved; any error undoes everything anyway).
        nested = _state().depth > 0 and _all_or_nothing.get()
        self._atomic = transaction.atomic(savepoint=not nested)
        self._atomic.__enter__()
        state = _state()
        self._mark = len(state.pending)
        state.depth += 1
        return self

    def __exit__(self, exc_type, exc, tb):
        state = _state()
        state.depth -= 1
        if exc_type is not None:
            del state.pending[self._mark :]
            return self._atomic.__exit__(exc_type, exc, tb)
        if state.depth == 0 and state.pending:
            batch, state.pending = state.pending, []
            try:
                reactions.run_in_transaction(batch)
            except BaseException as error:
                self._atomic.__exit__(type(error), error, error.__traceback__)
                raise
            transaction.on_commit(functools.partial(reactions.run_after_commit, batch), robust=True)
        return self._atomic.__exit__(None, None, None)


def atomic(func=None):
    """`transaction.atomic` for services: as `with changes.atomic():` or as a decorator."""
    if func is None:
        return _Atomic()

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        with _Atomic():
            return func(*args, **kwargs)

    return wrapped


@contextmanager
def all_or_nothing():
    """One transaction for many service calls where any error aborts the whole (a calendar import):
    `with all_or_nothing(), atomic(): …`. The services inside set no savepoints of their own, so an
    error inside cannot be caught and continued from; it must leave the outer block."""
    token = _all_or_nothing.set(True)
    try:
        yield
    finally:
        _all_or_nothing.reset(token)


def in_all_or_nothing() -> bool:
    """Inside `all_or_nothing()`: any error aborts the whole, so a service may leave a uniqueness check
    to the database's constraint instead of asking first."""
    return _all_or_nothing.get()


@contextmanager
def batched_records():
    """Inside, `record()` keeps its rows and writes them all at the end of the block, a few statements
    for thousands of changes (a calendar import records one per event). Use inside `atomic()`, which
    runs the reactions after the block, when the rows have their ids."""
    pending: list[tuple[Change, list]] = []
    token = _deferred.set(pending)
    try:
        yield
    except BaseException:
        _deferred.reset(token)  # the transaction rolls back: nothing to write
        raise
    _deferred.reset(token)
    if pending:
        changes = Change.objects.bulk_create([change for change, _subjects in pending], batch_size=1000)
        ChangeSubject.objects.bulk_create(
            [
                ChangeSubject(change=change, kind=kind, subject_id=pk)
                for change, (_same, subjects) in zip(changes, pending, strict=True)
                for kind, pk in subjects
            ],
            batch_size=5000,
        )


@contextmanager
def restoring(change_id: int):
    """Changes recorded inside say they restore values of change `change_id` (a restore is a change too)."""
    token = _restoring.set(change_id)
    try:
        yield
    finally:
        _restoring.reset(token)


@contextmanager
def recording_paused():
    """For the benchmark only (bench/changes.py), never in application code: inside, `record()` builds
    each change and queues it for the reactions as usual, but writes no Change or ChangeSubject row.
    The same service can so be timed with and without its history rows; what the services compute
    for the record (the diff of old and new values) is done either way."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def _insert(change: Change, subjects: list[tuple[str, int]]) -> None:
    """Write the change row and its subjects. On PostgreSQL in one statement (a CTE): every service
    pays for this, and a second round trip was a fifth of a small service's time (tie_create)."""
    connection = connections[router.db_for_write(Change)]
    if connection.vendor != "postgresql" or not subjects:
        change.save(force_insert=True)
        if subjects:
            ChangeSubject.objects.bulk_create(
                [ChangeSubject(change=change, kind=kind, subject_id=pk) for kind, pk in subjects]
            )
        return
    quote = connection.ops.quote_name
    fields = [f for f in Change._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    params = [f.get_db_prep_save(f.pre_save(change, True), connection) for f in fields]
    pairs = ", ".join(["(%s, %s::bigint)"] * len(subjects))
    sql = (
        f"WITH c AS (INSERT INTO {quote(Change._meta.db_table)} ({columns}) "  # noqa: S608 (names from model meta)
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING id) "
        f"INSERT INTO {quote(ChangeSubject._meta.db_table)} (change_id, kind, subject_id) "
        f"SELECT c.id, v.kind, v.subject_id FROM c, (VALUES {pairs}) AS v(kind, subject_id) RETURNING change_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(value for pair in subjects for value in pair)])
        change.pk = cursor.fetchone()[0]
    change._state.adding = False
    change._state.db = connection.alias


def user_or_none(user):
    """The user to store as who made a change: None for the system and for anonymous visitors."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def record_type_of(model_or_instance) -> str:
    return model_or_instance._meta.label_lower


def _lock_version(record) -> int | None:
    """The record's optimistic-locking version (changes.locking), if it has one; a consent text's
    `version` is its name ("2026-01"), not a counter."""
    version = getattr(record, "version", None)
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def record(
    *,
    user,
    kind: str,
    record,
    record_id: int | None = None,
    label: str | None = None,
    fields: dict | None = None,
    values: dict | None = None,
    actors: Iterable[int] = (),
    persons: Iterable[int] = (),
    audience: str = Audience.INTERNAL,
    public: bool = False,
    version: int | None = None,
    extra: dict | None = None,
) -> Change:
    """Write one change row (and its subjects) and queue its reactions. Call inside `changes.atomic`.

    `record` is the model instance changed (for a deletion: pass `record_id`, since Django clears
    the primary key). `fields` are {name: {"old": …, "new": …}} in stored form (values.diff),
    `values` the whole record for creations and deletions. `actors` and `persons` are the ids of
    everyone the change touches; the record itself is added when it is an actor or a person.
    `audience` says who may read the row, `public` whether the change alters what visitors see.
    """
    state = _state()
    if state.depth == 0:
        raise RuntimeError("changes.record() must run inside changes.atomic(), so that its reactions run.")
    record_type = record_type_of(record)
    pk = record_id if record_id is not None else record.pk
    actor_ids = {int(a) for a in actors if a is not None}
    person_ids = {int(p) for p in persons if p is not None}
    if record_type == "actors.actor":
        actor_ids.add(int(pk))
    elif record_type == "actors.person":
        person_ids.add(int(pk))
    data = {}
    if fields:
        data["fields"] = fields
    if values is not None:
        data["values"] = values
    if extra:
        data.update(extra)
    if _restoring.get() is not None:
        data["restored_from"] = _restoring.get()
    change = Change(
        user=user_or_none(user),
        kind=kind,
        record_type=record_type,
        record_id=pk,
        record_label=(label if label is not None else str(record))[:300],
        version=version if version is not None else _lock_version(record),
        audience=audience,
        public=public,
        data=data,
    )
    if not _paused.get():
        subjects = [(SubjectKind.ACTOR.value, a) for a in sorted(actor_ids)]
        subjects += [(SubjectKind.PERSON.value, p) for p in sorted(person_ids)]
        deferred = _deferred.get()
        if deferred is None:
            _insert(change, subjects)
        else:
            deferred.append((change, subjects))
    change.actor_ids = actor_ids
    change.person_ids = person_ids
    state.pending.append(change)
    return change
