"""PostgreSQL: `german` full-text search over a generated, weighted tsvector column; pg_trgm for ranking.

Migration 0003 adds `actors_actor.search_vector` (generated from search_name, weight A, and
search_body, weight B) with a GIN index. The column is not a model field, so it exists on
PostgreSQL only; expressions here reach it next to `search_name` under Django's table alias.
"""

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func

from knotenpunkt.actors.models import Actor

VECTOR_COLUMN, INDEX = "search_vector", "actor_search_vector"
# Share of pg_trgm similarity between the whole query and the name in the rank of actors whose
# name holds every query word: "Weltladen Kassel" before "Weltladen Kassel-Nord Förderkreis e.V.".
SIMILARITY_WEIGHT = 0.2
_TSQUERY = "to_tsquery('german'::regconfig, %s)"


def write_documents(documents, rebuilding=False):
    """Store folded name and body; PostgreSQL derives the tsvector itself. Unchanged rows are skipped."""
    if not documents:
        return
    ids, names, bodies = (list(column) for column in zip(*documents, strict=True))
    table = connection.ops.quote_name(Actor._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS a SET search_name = d.name, search_body = d.body "  # noqa: S608
            "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS d(id, name, body) "
            "WHERE a.id = d.id AND (a.search_name, a.search_body) IS DISTINCT FROM (d.name, d.body)",
            [ids, names, bodies],
        )


def remove(actor_ids):
    """Nothing more to do: search.remove_actors() blanks the documents and the tsvector follows."""


def clear():
    """Nothing to do: rebuilding rewrites search_name/search_body, which regenerates the tsvector."""


def rebuilt():
    """Merge the GIN pending list (else every search scans it until autovacuum runs) and refresh statistics."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [INDEX])
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Actor._meta.db_table)}")


def words_starting_with(prefix):
    """Lookups for vocabulary words starting with `prefix` (served by the varchar_pattern_ops index)."""
    return {"word__startswith": prefix}


def _tsquery(terms, weight=""):
    """Each word as a prefix, ORed with its typo corrections; the words ANDed. `weight` "A": in the name.

    Words are letters and digits only (see search.query_words), so they cannot form tsquery syntax.
    """
    groups, params = [], []
    for word, corrections in terms:
        alternatives = [f"{word}:*{weight}", *(f"{c}:{weight}" if weight else c for c in corrections)]
        groups.append("(" + " || ".join([_TSQUERY] * len(alternatives)) + ")")
        params.extend(alternatives)
    return " && ".join(groups), params


class _OnSearchColumns(Func):
    """The match or the rank over search_vector and search_name, whatever alias the query gives the table."""

    def __init__(self, terms, rank):
        super().__init__(F("search_name"), output_field=FloatField() if rank else BooleanField())
        self.terms, self.rank = terms, rank

    def as_sql(self, compiler, connection, **extra_context):
        name_sql, name_params = compiler.compile(self.source_expressions[0])
        quote = connection.ops.quote_name
        vector_sql = name_sql.removesuffix(quote("search_name")) + quote(VECTOR_COLUMN)
        tsquery_sql, tsquery_params = _tsquery(self.terms)
        if not self.rank:
            return f"{vector_sql} @@ ({tsquery_sql})", tsquery_params
        # similarity() costs more than ts_rank(), so only names holding every word get it.
        in_name_sql, in_name_params = _tsquery(self.terms, weight="A")
        folded_query = " ".join(word for word, _corrections in self.terms)
        sql = (
            f"(ts_rank({vector_sql}, {tsquery_sql}) + CASE WHEN {vector_sql} @@ ({in_name_sql}) "
            f"THEN {SIMILARITY_WEIGHT} * similarity({name_sql}, %s) ELSE 0 END)"
        )
        return sql, [*tsquery_params, *in_name_params, *name_params, folded_query]


def search(queryset, terms):
    terms = tuple((word, tuple(corrections)) for word, corrections in terms)
    return queryset.filter(_OnSearchColumns(terms, rank=False)).annotate(search_rank=_OnSearchColumns(terms, rank=True))
