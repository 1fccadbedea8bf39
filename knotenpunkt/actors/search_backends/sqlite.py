"""SQLite: an FTS5 table of folded, stemmed tokens (rowid = actor id) in two columns, name and body.

Migration 0003 creates the table `actors_actor_fts(name, body)`. It keeps its own copy of
the stemmed text, so index_actors() and remove_actors() maintain it explicitly.
"""

import functools
import threading

import snowballstemmer
from django.db import connection
from django.db.models import BooleanField, Case, F, Func, IntegerField, Value, When

from knotenpunkt.actors.models import Actor

TABLE = "actors_actor_fts"

_local = threading.local()


@functools.lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """German Snowball stem of a folded word (stemmer objects are not thread-safe: one per thread)."""
    if not hasattr(_local, "stemmer"):
        _local.stemmer = snowballstemmer.stemmer("german")
    return _local.stemmer.stemWord(word)


def _stemmed(text: str) -> str:
    from knotenpunkt.actors.search import STOP_WORDS

    return " ".join(stem(word) for word in text.split() if word not in STOP_WORDS)


def write_documents(documents, rebuilding=False):
    """Store folded name and body on the actor and their stemmed tokens in the FTS table."""
    if not documents:
        return
    table = connection.ops.quote_name(Actor._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET search_name = %s, search_body = %s "  # noqa: S608
            "WHERE id = %s AND (search_name != %s OR search_body != %s)",
            [(name, body, pk, name, body) for pk, name, body in documents],
        )
        if not rebuilding:
            cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", [(pk,) for pk, _name, _body in documents])  # noqa: S608
        cursor.executemany(
            f"INSERT INTO {TABLE} (rowid, name, body) VALUES (%s, %s, %s)",  # noqa: S608
            [(pk, _stemmed(name), _stemmed(body)) for pk, name, body in documents],
        )


def remove(actor_ids):
    """Delete the FTS rows (search.remove_actors() blanks the documents themselves)."""
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", [(pk,) for pk in actor_ids])  # noqa: S608


def clear():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608


def rebuilt():
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")  # noqa: S608


def words_starting_with(prefix):
    """Lookups for vocabulary words starting with `prefix`: a range, which SQLite serves from the primary key
    (LIKE would scan, being case-insensitive)."""
    return {"word__gte": prefix, "word__lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


def similar_words(word, limit):
    """No trigram index here: one typo (the symmetric-delete vocabulary) is what SQLite tolerates."""
    return []


def _match(terms, column=None):
    """FTS5 query: each stemmed word as a prefix, ORed with its typo corrections; the words ANDed.

    Words are letters and digits only (see search.query_words); quoting keeps even those from
    being read as operators such as NOT or NEAR. With `column`, every word must be in that column.
    """
    groups = []
    for word, corrections in terms:
        alternatives = [f'"{stem(word)}"*', *(f'"{stem(c)}"' for c in corrections)]
        group = "(" + " OR ".join(alternatives) + ")"
        groups.append(f"{column} : {group}" if column else group)
    return " AND ".join(groups)


class _InFts(Func):
    """`<actor id> IN (SELECT rowid FROM actors_actor_fts WHERE ... MATCH %s)`, whatever the table's alias."""

    output_field = BooleanField()

    def __init__(self, match):
        super().__init__(F("pk"))
        self.match = match

    def as_sql(self, compiler, connection, **extra_context):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        sql = f"{pk_sql} IN (SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s)"  # noqa: S608 - constant table
        return sql, [*pk_params, self.match]


def search(queryset, terms, exact_name):
    """The FTS5 query runs once as an uncorrelated subquery; the rank needs only the name column's match."""
    from knotenpunkt.actors.search import RANK_ANYWHERE, RANK_EXACT_NAME, RANK_NAME

    rank = Case(
        When(search_name=exact_name, then=Value(RANK_EXACT_NAME)),
        When(_InFts(_match(terms, column="name")), then=Value(RANK_NAME)),
        default=Value(RANK_ANYWHERE),
        output_field=IntegerField(),
    )
    return queryset.filter(_InFts(_match(terms))).annotate(search_rank=rank)
