"""German-aware actor search: one interface, a backend per database.

Documents and queries go through the same folding (lower case, accents dropped,
ä/ae→a, ö/oe→o, ü/ue→u, ß→ss) and are reduced to plain word tokens, so "Foerderkreis",
"Förderkreis" and "Forderkreis" are the same word and nothing a visitor types can reach
the database as query syntax. Each query word matches as a prefix of a stemmed word
("Klima" → "Klimaschutzinitiative", "Schulen" → "Schule"); words are ANDed.

A query word that is no prefix of any indexed word is also matched against the words
one edit away, found in the SearchWord/SearchWordVariant symmetric-delete vocabulary.

`Actor.search_name` and `Actor.search_body` hold the folded text on every database;
the backend turns them into its full-text index (PostgreSQL: a generated, weighted
`tsvector` column; SQLite: an FTS5 table of stemmed tokens). See migration 0003.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import translation
from django_countries import countries

from knotenpunkt.actors.models import SDG, Actor, ActorCountry, ActorKind, SearchWord, SearchWordVariant, Theme
from knotenpunkt.actors.search_backends import postgresql, sqlite

# Bounds for what a visitor types: anything longer is cut, never rejected.
MAX_QUERY_CHARS = 300
MAX_QUERY_WORDS = 8
MAX_WORD_CHARS = 40
# Typo tolerance: only words this long are corrected, to at most this many vocabulary words.
MIN_TYPO_WORD_CHARS = 4
MAX_CORRECTIONS = 5
# Words this long may also be matched by trigram similarity where the backend offers it.
MIN_FUZZY_WORD_CHARS = 8

# PostgreSQL's German stop words (tsearch_data/german.stop) as folded words. Documents and
# queries drop them on every backend, so both databases find the same actors.
_GERMAN_STOP_WORDS = """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes anderm
    andern anderr anders auch auf aus bei bin bis bist da damit dann der den des dem die das derselbe
    derselben denselben desselben demselben dieselbe dieselben dasselbe dazu dein deine deinem deinen
    deiner deines denn derer dessen dich dir du dies diese diesem diesen dieser dieses doch dort durch ein
    eine einem einen einer eines einig einige einigem einigen einiger einiges einmal er ihn ihm es etwas
    euer eure eurem euren eurer eures gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich
    mich mir ihr ihre ihrem ihren ihrer ihres euch im in indem ins ist jede jedem jeden jeder jedes jene
    jenem jenen jener jenes jetzt kann kein keine keinem keinen keiner keines man manche manchem manchen
    mancher manches mein meine meinem meinen meiner meines mit muss musste nach nicht nichts noch nun nur
    ob oder ohne sehr sein seine seinem seinen seiner seines selbst sich sie ihnen sind so solche solchem
    solchen solcher solches soll sollte sondern sonst um und uns unse unsem unsen unser unses unter viel
    vom von vor war waren warst was weg weil weiter welche welchem welchen welcher welches wenn werde
    werden wie wieder will wir wird wirst wo wollen wollte zu zum zur zwar zwischen
"""
STOP_WORDS = frozenset(_GERMAN_STOP_WORDS.split())

_WORD_RE = re.compile(r"[^\W_]+")
# Letters NFKD does not decompose, and the combining accents it splits off.
_EXTRA_FOLDS = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("ø", "o"), ("ł", "l"), ("đ", "d"), ("ð", "d"), ("ı", "i"))
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def fold(text: str) -> str:
    """Lower-case `text` and spell German umlauts and other accented letters the same way."""
    text = text.lower()
    if not text.isascii():
        for letter, replacement in _EXTRA_FOLDS:
            text = text.replace(letter, replacement)
        text = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    return text


def words(text: str) -> list[str]:
    """The folded word tokens of `text` (letters and digits only)."""
    return _WORD_RE.findall(fold(text))


def query_words(query: str) -> list[str]:
    """The distinct, bounded, non-stop words of a search query, in order."""
    seen = {}
    for word in words(query[:MAX_QUERY_CHARS]):
        word = word[:MAX_WORD_CHARS]
        if word not in STOP_WORDS:
            seen.setdefault(word, None)
    return list(seen)[:MAX_QUERY_WORDS]


def _backend():
    return postgresql if connection.vendor == "postgresql" else sqlite


# Documents --------------------------------------------------------------------------------------


class _Labels:
    """Names of themes, SDGs, countries and kinds, each loaded or translated once per indexing run."""

    def __init__(self):
        self.themes = {pk: f"{de} {en}" for pk, de, en in Theme.objects.values_list("pk", "name_de", "name_en")}
        self.sdgs = {n: f"SDG {n} {de} {en}" for n, de, en in SDG.objects.values_list("number", "name_de", "name_en")}
        with translation.override("de"):
            self.kinds = {value: str(label) for value, label in ActorKind.choices}
        self._countries = {}

    def country(self, code: str) -> str:
        if code not in self._countries:
            names = []
            for language in ("de", "en"):
                with translation.override(language):
                    names.append(str(countries.name(code)))
            self._countries[code] = " ".join(names)
        return self._countries[code]


def _documents(actors: dict, labels: _Labels) -> list[tuple[int, str, str]]:
    """(id, search_name, search_body) of the actors matching the `pk…` lookups in `actors`."""
    related = {key.replace("pk", "actor_id", 1): value for key, value in actors.items()}
    themes, sdgs, places = defaultdict(list), defaultdict(list), defaultdict(list)
    for actor_id, theme_id in Actor.themes.through.objects.filter(**related).values_list("actor_id", "theme_id"):
        themes[actor_id].append(labels.themes[theme_id])
    for actor_id, number in Actor.sdgs.through.objects.filter(**related).values_list("actor_id", "sdg_id"):
        sdgs[actor_id].append(labels.sdgs[number])
    for actor_id, code in ActorCountry.objects.filter(**related).values_list("actor_id", "country"):
        places[actor_id].append(labels.country(code))
    rows = Actor.objects.filter(**actors).order_by("pk").values_list("pk", "name", "description", "city", "kind")
    documents = []
    for pk, name, description, city, kind in rows:
        body = " ".join([description, city, labels.kinds.get(kind, ""), *themes[pk], *sdgs[pk], *places[pk]])
        documents.append((pk, " ".join(words(name)), " ".join(words(body))))
    return documents


def _vocabulary_words(documents: Iterable[tuple[int, str, str]]) -> set[str]:
    """Words worth correcting typos towards: long enough, letters only, no stop words."""
    seen = set()
    for _pk, name, body in documents:
        seen.update(name.split())
        seen.update(body.split())
    return {w for w in seen if MIN_TYPO_WORD_CHARS <= len(w) <= MAX_WORD_CHARS and w.isalpha()} - STOP_WORDS


# Vocabulary (typo tolerance) ----------------------------------------------------------------------


def _deletions(word: str) -> set[str]:
    """`word` itself and every string one letter shorter: the symmetric-delete keys."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit_apart(a: str, b: str) -> bool:
    """At most one insertion, deletion, substitution or swap of neighbours turns `a` into `b`."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    return a[i + 1 :] == b[i + 1 :] or (a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1])


def _add_vocabulary(new_words: set[str], *, known: set[str] | None = None, batch_size: int = 2000) -> None:
    """Insert the words not yet in the vocabulary, with their deletions. Safe against concurrent writers."""
    if known is None:
        known = set()
        pending = sorted(new_words)
        for start in range(0, len(pending), 500):
            chunk = pending[start : start + 500]
            known.update(SearchWord.objects.filter(word__in=chunk).values_list("word", flat=True))
    missing = sorted(new_words - known)
    for start in range(0, len(missing), batch_size):
        chunk = missing[start : start + batch_size]
        SearchWord.objects.bulk_create([SearchWord(word=w) for w in chunk], ignore_conflicts=True)
        variants = [SearchWordVariant(variant=v, word_id=w) for w in chunk for v in sorted(_deletions(w))]
        SearchWordVariant.objects.bulk_create(variants, ignore_conflicts=True, batch_size=5000)


def _corrections(word: str) -> list[str]:
    """Vocabulary words one typo away from `word`, if `word` is not the start of a known word."""
    if len(word) < MIN_TYPO_WORD_CHARS or not word.isalpha():
        return []
    if SearchWord.objects.filter(**_backend().words_starting_with(word)).exists():
        return []
    candidates = (
        SearchWordVariant.objects.filter(variant__in=_deletions(word)).values_list("word_id", flat=True).distinct()
    )
    corrections = sorted(w for w in candidates[:200] if _one_edit_apart(word, w))[:MAX_CORRECTIONS]
    if not corrections and len(word) >= MIN_FUZZY_WORD_CHARS:
        # More than one typo in a long word: the backend may know similar words (PostgreSQL: pg_trgm).
        corrections = _backend().similar_words(word, limit=MAX_CORRECTIONS)
    return corrections


# Public interface ---------------------------------------------------------------------------------


def index_actors(actor_ids: Iterable[int]) -> None:
    """(Re)build the search document of these actors and extend the vocabulary.

    Runs in the caller's transaction; ids of actors that no longer exist are dropped from the index.
    """
    actor_ids = sorted(set(actor_ids))
    if not actor_ids:
        return
    documents = _documents({"pk__in": actor_ids}, _Labels())
    _backend().write_documents(documents)
    gone = set(actor_ids) - {pk for pk, _name, _body in documents}
    if gone:
        _backend().remove(sorted(gone))
    _add_vocabulary(_vocabulary_words(documents))


def actor_ids_with_themes(theme_ids: Iterable[int]) -> list[int]:
    """The actors tagged with any of these themes (whose documents hold the themes' names)."""
    through = Actor.themes.through.objects.filter(theme_id__in=list(theme_ids))
    return sorted(set(through.values_list("actor_id", flat=True)))


def remove_actors(actor_ids: Iterable[int]) -> None:
    """Drop these actors from the index (their rows may already be deleted)."""
    actor_ids = sorted(set(actor_ids))
    if actor_ids:
        Actor.objects.filter(pk__in=actor_ids).exclude(search_name="", search_body="").update(
            search_name="", search_body=""
        )
        _backend().remove(actor_ids)


@transaction.atomic
def rebuild_index(batch_size: int = 5000) -> int:
    """Rebuild every actor's document and the whole vocabulary in bulk; return the number of actors.

    Meant for deployments and after bulk loads. Runs in one transaction, so searches keep
    answering from the old index meanwhile.
    """
    backend = _backend()
    backend.clear()
    with connection.cursor() as cursor:
        for model in (SearchWordVariant, SearchWord):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
    labels = _Labels()
    vocabulary: set[str] = set()
    count, last_pk = 0, 0
    while True:
        # Batches are id ranges, so the related tables are read by range too.
        after = Actor.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)
        upper = list(after[batch_size - 1 : batch_size])
        lookups = {"pk__gt": last_pk, "pk__lte": upper[0]} if upper else {"pk__gt": last_pk}
        documents = _documents(lookups, labels)
        if not documents:
            break
        backend.write_documents(documents, rebuilding=True)
        vocabulary |= _vocabulary_words(documents)
        count += len(documents)
        last_pk = documents[-1][0]
    _add_vocabulary(vocabulary, known=set())
    backend.rebuilt()
    return count


# Ranks (`search_rank`): the whole name is the query, every query word is in the name, or the
# words are found anywhere in the document. Within a rank the best-connected actors come first.
RANK_EXACT_NAME, RANK_NAME, RANK_ANYWHERE = 2, 1, 0
RESULT_ORDER = ("-search_rank", "-tie_count", "name", "pk")


def search_actors(queryset, query):
    """Filter `queryset` to actors matching every word of `query`, best first.

    Annotates `search_rank` (RANK_EXACT_NAME, RANK_NAME or RANK_ANYWHERE) and orders by it,
    then by the number of ties (hubs first), then by name. Filter `queryset` before searching.
    An empty query returns `queryset` unchanged; a query without any searchable word matches nothing.
    """
    return searcher(query)(queryset)


def searcher(query):
    """`search_actors` for one query as a function of the query set, with the query's words and
    their typo corrections looked up once (for callers that search several query sets)."""
    if not query or not str(query).strip():
        return lambda queryset: queryset
    terms = [(word, _corrections(word)) for word in query_words(str(query))]
    if not terms:
        return lambda queryset: queryset.none()
    exact_name = " ".join(words(str(query)[:MAX_QUERY_CHARS]))
    return lambda queryset: _backend().search(queryset, terms, exact_name).order_by(*RESULT_ORDER)


def search_ids(queryset, query, *, limit: int) -> list[int]:
    """The ids of the first `limit` matches of `search_actors`, in its order, read in one query.

    For a small query set (the actors of one country): ordering all of its matches at once is
    cheaper there than the backend's rank-by-rank reads, which suit the whole network.
    """
    found = search_actors(queryset, query)
    plain = getattr(found, "plain", None)
    return list((plain() if plain else found).values_list("pk", flat=True)[:limit])
