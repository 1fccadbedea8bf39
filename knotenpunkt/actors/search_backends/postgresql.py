"""PostgreSQL: `german` full-text search over generated tsvector columns; pg_trgm for misspelt long words.

Migration 0003 adds `actors_actor.search_vector` (generated from search_name, weight A, and
search_body, weight B) with a GIN index. The column is not a model field, so it exists on
PostgreSQL only; expressions here reach it next to `search_name` under Django's table alias.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Case, F, Func, IntegerField, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from knotenpunkt.actors.models import Actor, SearchWord

VECTOR_COLUMN, INDEX = "search_vector", "actor_search_vector"
NAME_VECTOR_COLUMN, NAME_INDEX = "search_name_vector", "actor_search_name_vector"
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
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [NAME_INDEX])
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Actor._meta.db_table)}")


def words_starting_with(prefix):
    """Lookups for vocabulary words starting with `prefix` (served by the varchar_pattern_ops index)."""
    return {"word__startswith": prefix}


# pg_trgm similarity a vocabulary word needs to stand in for a long, misspelt query word.
SIMILARITY_THRESHOLD = 0.5


def similar_words(word, limit):
    """Vocabulary words similar to `word` by pg_trgm (GIN trigram index of migration 0007)."""
    table = connection.ops.quote_name(SearchWord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT word FROM {table} WHERE word %% %s AND similarity(word, %s) >= %s "  # noqa: S608
            "ORDER BY similarity(word, %s) DESC, word LIMIT %s",
            [word, word, SIMILARITY_THRESHOLD, word, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def _tsquery(terms):
    """Each word as a prefix, ORed with its typo corrections; the words ANDed.

    Words are letters and digits only (see search.query_words), so they cannot form tsquery syntax.
    """
    groups, params = [], []
    for word, corrections in terms:
        alternatives = [f"{word}:*", *corrections]
        groups.append("(" + " || ".join([_TSQUERY] * len(alternatives)) + ")")
        params.extend(alternatives)
    return " && ".join(groups), params


class _OnSearchColumns(Func):
    """`search_vector @@ tsquery` (optionally only words in the name), whatever alias the query gives the table."""

    output_field = BooleanField()

    def __init__(self, terms, in_name=False):
        super().__init__(F("search_name"))
        self.terms, self.in_name = terms, in_name

    def as_sql(self, compiler, connection, **extra_context):
        name_sql, _no_params = compiler.compile(self.source_expressions[0])
        quote = connection.ops.quote_name
        column = NAME_VECTOR_COLUMN if self.in_name else VECTOR_COLUMN
        vector_sql = name_sql.removesuffix(quote("search_name")) + quote(column)
        tsquery_sql, tsquery_params = _tsquery(self.terms)
        return f"{vector_sql} @@ ({tsquery_sql})", tsquery_params


class RankedSearchQuerySet(QuerySet):
    """Search results that read only the top of each rank.

    Ordering every match by rank would touch all of them: 20,000 rows for a broad word at
    100,000 actors. Each rank's candidates are instead read from the `actor_tiecount_name`
    index in result order and cut at the end of the requested slice, so a page of 20 reads
    about 20 / selectivity rows per rank. The union of each rank's first n rows holds the
    first n rows of the whole result, so pages and (capped) counts are exact.

    A filter added after the search drops back to the plain query, which is just as exact.
    """

    _rank_parts = None

    def _clone(self):
        clone = super()._clone()
        clone._rank_parts = self._rank_parts
        return clone

    def _filter_or_exclude(self, negate, args, kwargs):
        clone = super()._filter_or_exclude(negate, args, kwargs)
        clone._rank_parts = None
        return clone

    def plain(self):
        """The same search as one ordinary ordered query (for small query sets)."""
        clone = self._clone()
        clone._rank_parts = None
        return clone

    def order_by(self, *field_names):
        clone = super().order_by(*field_names)
        if not field_names:
            # Unordered (e.g. a count): the plain query counts without ranking anything.
            clone._rank_parts = None
        return clone

    def __getitem__(self, k):
        parts = self._rank_parts
        if not isinstance(k, slice) or k.stop is None or parts is None or k.stop > MAX_FAST_SLICE:
            return super().__getitem__(k)
        sqls, params = [], []
        for part in parts:
            try:
                sql, part_params = (
                    part.order_by("-tie_count", "name", "pk").values("pk")[: k.stop].query.sql_with_params()
                )
            except EmptyResultSet:  # a part that can match nothing (e.g. filtered by an empty list)
                continue
            sqls.append(f"({sql})")
            params.extend(part_params)
        if not sqls:
            empty = self.none()
            empty._rank_parts = None
            return empty[k]
        restricted = super()._filter_or_exclude(False, (), {"pk__in": RawSQL(" UNION ALL ".join(sqls), params)})  # noqa: S611 - ORM-compiled SQL, bound params
        restricted._rank_parts = None
        return restricted[k]


# Past this slice end (50 pages of 20) the plain query is as quick.
MAX_FAST_SLICE = 1001


def search(queryset, terms, exact_name):
    from knotenpunkt.actors.search import RANK_ANYWHERE, RANK_EXACT_NAME, RANK_NAME

    terms = tuple((word, tuple(corrections)) for word, corrections in terms)
    matches = queryset.filter(_OnSearchColumns(terms))
    in_name = _OnSearchColumns(terms, in_name=True)
    rank = Case(
        When(search_name=exact_name, then=Value(RANK_EXACT_NAME)),
        When(in_name, then=Value(RANK_NAME)),
        default=Value(RANK_ANYWHERE),
        output_field=IntegerField(),
    )
    ranked = matches.annotate(search_rank=rank)
    ranked.__class__ = type("RankedActorQuerySet", (RankedSearchQuerySet, ranked.__class__), {})
    # Overlapping on purpose: the first n of the whole result are among the first n with an exact
    # name, the first n with every word in the name, and the first n of all matches. Negated
    # conditions would make the planner guess their size from the wrong independence assumption.
    # An exact name holds every word, and the name's words are in search_vector too: the first two
    # parts need no full-document match, which would only make PostgreSQL combine two GIN indexes.
    ranked._rank_parts = (queryset.filter(search_name=exact_name), queryset.filter(in_name), matches)
    return ranked
