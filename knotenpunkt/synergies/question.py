"""The free-text question: "Wer arbeitet zu Klimaschutz in Burkina Faso?" → ranked actors with reasons.

The question is read for what the registry knows: themes (by their names' stems), SDGs ("SDG 13",
"Ziel 13"), countries (German or English names), actor kinds ("Schulen", "Weltläden"); the words
left over are searched in names and descriptions with the directory's German search. Actors
that match every recognised part come first, then those matching most of them; within a tier
the text match and the number of ties order them. Each result says which parts it matched.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors import search
from knotenpunkt.actors.models import SDG, Actor, ActorKind, Theme
from knotenpunkt.synergies import permissions
from knotenpunkt.synergies.models import Category, Direction, Listing
from knotenpunkt.synergies.text import terms

MAX_RESULTS = 20
MAX_SUBSET_QUERIES = 10  # per level of the loose tier; above, one counting query (see _add_most_matched)
# Question words that are not about the subject ("Wer arbeitet zu …?"), and the ending of gendered
# words ("Referent:innen" is read as "referent", "innen").
_FILLER = """
    wer welche welcher welches gibt arbeitet arbeiten engagiert engagieren macht machen beschaftigt
    beschaftigen kennt kennen akteur akteure organisation organisationen thema themen bereich suche
    suchen finde finden bietet bieten braucht brauchen who works working which offers
    innen
    fur uber zum zur
"""
FILLER = frozenset(_FILLER.split())
NEED_STEMS = frozenset(terms("sucht suchen braucht brauchen benötigt benötigen needs need"))
_SDG_RE = re.compile(r"\b(?:sdg|ziel|goal)\s*(\d{1,2})\b")


@dataclass
class Parsed:
    themes: list[Theme] = field(default_factory=list)
    sdgs: list[SDG] = field(default_factory=list)
    countries: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    kinds: list[tuple[str, str]] = field(default_factory=list)  # (kind, label)
    categories: list[tuple[str, str]] = field(default_factory=list)  # listing categories (category, label)
    direction: str = Direction.OFFER  # offers, or needs if the question asks who needs something
    words: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.themes or self.sdgs or self.countries or self.kinds or self.categories or self.words)


@lru_cache(maxsize=4)
def _country_lookup(language: str) -> tuple[tuple[str, str], ...]:
    """(folded name, code), longest names first, in German and English."""
    names = {}
    for lang in ("de", "en"):
        with translation.override(lang):
            for code, name in countries:
                names[search.fold(str(name))] = code
    return tuple(sorted(names.items(), key=lambda item: -len(item[0])))


def _category_stems() -> dict[str, str]:
    stems = {}
    for category, label in Category.choices:
        if category == Category.OTHER:
            continue
        for lang in ("de", "en"):
            with translation.override(lang):
                for term in terms(str(label)):
                    stems.setdefault(term, category)
    return stems


def _kind_stems() -> dict[str, str]:
    stems = {}
    for kind, label in ActorKind.choices:
        for lang in ("de", "en"):
            with translation.override(lang):
                for term in terms(str(label)):
                    stems.setdefault(term, kind)
    return stems


def parse(question: str) -> Parsed:
    parsed = Parsed()
    folded = " " + " ".join(search.words(question[: search.MAX_QUERY_CHARS])) + " "
    for number in {int(n) for n in _SDG_RE.findall(folded)}:
        sdg = SDG.objects.filter(number=number).first()
        if sdg:
            parsed.sdgs.append(sdg)
    folded = _SDG_RE.sub(" ", folded)
    for name, code in _country_lookup(translation.get_language() or "de"):
        if len(name) >= 4 and f" {name} " in folded:
            parsed.countries.append((code, str(countries.name(code))))
            folded = folded.replace(f" {name} ", " ")
    stems = terms(folded)
    used = set()
    hits = []
    for theme in Theme.objects.all():
        theme_stems = set(terms(f"{theme.name_de} {theme.name_en} {theme.slug.replace('-', ' ')}"))
        hit = (theme_stems & set(stems)) - FILLER  # "für" in "Bildung für nachhaltige Entwicklung" says nothing
        if hit:
            hits.append((theme, hit))
    # A theme whose matching words all belong to a theme matching more of them is not meant:
    # "Bildung für nachhaltige Entwicklung" is asked, not "Migration und Entwicklung".
    for theme, hit in hits:
        if not any(hit < other for _other, other in hits):
            parsed.themes.append(theme)
            used |= hit
    if set(stems) & NEED_STEMS:
        parsed.direction = Direction.NEED
        used |= set(stems) & NEED_STEMS
    category_stems = _category_stems()
    for stem in stems:
        category = category_stems.get(stem)
        if category and stem not in used and category not in {c for c, _ in parsed.categories}:
            parsed.categories.append((category, str(Category(category).label)))
            used.add(stem)
    kind_stems = _kind_stems()
    for stem in stems:
        if stem in kind_stems and stem not in used and kind_stems[stem] not in {k for k, _ in parsed.kinds}:
            kind = kind_stems[stem]
            parsed.kinds.append((kind, str(ActorKind(kind).label)))
            used.add(stem)
    for word in search.query_words(folded):
        if word in FILLER or search.fold(word) in FILLER:
            continue
        if terms(word) and terms(word)[0] in used:
            continue
        parsed.words.append(word)
    return parsed


@dataclass
class _Text:
    """The words of the question left for the directory's search, and that search."""

    words: list[str]
    search: object  # query set -> query set (search.searcher)

    def __iter__(self):
        return iter(self.words)


@dataclass
class Answer:
    actor: Actor
    matched: int
    reasons: list[str]


def ask(*, user, question: str, limit: int = MAX_RESULTS) -> tuple[Parsed, list[Answer]]:
    """Ranked actors for the question, as far as `user` may see them."""
    parsed = parse(question or "")
    if parsed.empty:
        return parsed, []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A dozen short queries, each reading a few hundred rows in index order: starting
            # parallel workers costs more than it saves (20 ms → 5 ms for a query on 100,000 actors).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        return parsed, _answers(user, parsed, limit)


def _answers(user, parsed: Parsed, limit: int) -> list[Answer]:
    base = actor_permissions.visible_actors(user)
    conditions = []
    for theme in parsed.themes:
        conditions.append(("theme", theme, Q(themes=theme)))
    for sdg in parsed.sdgs:
        conditions.append(("sdg", sdg, Q(sdgs=sdg)))
    for code, name in parsed.countries:
        conditions.append(("country", (code, name), Q(countries__country=code)))
    if parsed.kinds:
        conditions.append(("kind", parsed.kinds, Q(kind__in=[k for k, _ in parsed.kinds])))
    if parsed.categories:
        listings = permissions.visible_listings(user, Listing.objects.current()).filter(
            direction=parsed.direction, category__in=[c for c, _ in parsed.categories]
        )
        value = (parsed.direction, parsed.categories)
        conditions.append(("listing", value, Q(pk__in=listings.values("actor_id"))))
    if parsed.words:
        # The directory's search; as a condition of its own, it is applied last (see _matching).
        text = _Text(parsed.words, search.searcher(" ".join(parsed.words)))
        conditions.append(("text", text, Q(pk__in=text.search(base).order_by().values("pk"))))

    # Every recognised part first; if that finds too few, actors matching most parts.
    found: dict[int, int] = {}
    strict = _matching(base, conditions)
    for pk in strict.values_list("pk", flat=True)[:limit]:
        found[pk] = len(conditions)
    if len(found) < limit and len(conditions) > 1:
        _add_most_matched(base, conditions, found, limit)
    actors = Actor.objects.in_bulk(list(found))
    details = _matches(list(found), conditions)
    answers = []
    for pk, matched in found.items():
        actor = actors.get(pk)
        if actor is not None:
            answers.append(Answer(actor, matched, details.get(pk, [])))
    answers.sort(key=lambda a: (-a.matched, -a.actor.tie_count, a.actor.name))
    return answers


def _matching(rows, conditions):
    """`rows` matching every condition, the most tied first, then by name.

    A text condition is applied last, as the directory's search of the rows the others left: its
    ranked query set reads the first rows of the tie-count index instead of every match of a
    common word (an `IN` over all matches of "partnerschaft" reads thousands).
    """
    text = None
    for kind, value, condition in conditions:
        if kind == "text":
            text = value
        else:
            rows = rows.filter(condition)
    if text is not None:
        rows = text.search(rows)
    return rows.order_by("-tie_count", "name")


def _add_most_matched(base, conditions, found: dict[int, int], limit: int) -> None:
    """Fill `found` up to `limit` with the actors matching most of the conditions, the most tied first.

    Level by level: the actors matching all but one condition are those of the strict queries that
    leave one condition out, and so on down. Each such query is an intersection read in the order
    of the tie-count index and cut at the number still needed, so it reads a few dozen rows. A level
    that leaves fewer actors than needed has found all of them, so the next level down only has to
    exclude what is found. Where a level would take too many queries, one query counts instead.
    """
    m = len(conditions)
    for size in range(m - 1, 0, -1):
        need = limit - len(found)
        if need <= 0:
            return
        subsets = list(itertools.combinations(range(m), size))
        if len(subsets) > MAX_SUBSET_QUERIES:
            for pk, matched in _most_matched(base, conditions, exclude=list(found), limit=need):
                found[pk] = matched
            return
        candidates: dict[int, tuple[int, str]] = {}
        for subset in subsets:
            rows = _matching(base.exclude(pk__in=list(found)), [conditions[i] for i in subset])
            for pk, ties, name in rows.values_list("pk", "tie_count", "name")[:need]:
                candidates[pk] = (ties, name)
        for pk, _rank in sorted(candidates.items(), key=lambda item: (-item[1][0], item[1][1], item[0]))[:need]:
            found[pk] = size


def _most_matched(base, conditions, *, exclude: list[int], limit: int) -> list[tuple[int, int]]:
    """(actor, number of conditions it matches) for the visible actors matching most, then the most
    tied, then by name: one query that counts each actor's rows in a UNION ALL of one indexed
    subquery per condition (an OR over the conditions' joins would join tens of thousands of rows
    with each other)."""
    parts, params = [], []
    for _kind, _value, condition in conditions:
        part = base.filter(condition).exclude(pk__in=exclude).order_by().annotate(qid=F("pk")).values("qid").distinct()
        try:
            sql, part_params = part.query.sql_with_params()
        except EmptyResultSet:  # a condition that can match nothing
            continue
        parts.append(f"SELECT q.qid FROM ({sql}) q")  # noqa: S608 - ORM-compiled SQL, bound params
        params.extend(part_params)
    if not parts:
        return []
    table = connection.ops.quote_name(Actor._meta.db_table)
    statement = (
        f"SELECT u.qid, COUNT(*) AS matched FROM ({' UNION ALL '.join(parts)}) u"  # noqa: S608 - ORM-compiled SQL, bound params
        f" JOIN {table} a ON a.id = u.qid GROUP BY u.qid, a.tie_count, a.name"
        " ORDER BY matched DESC, a.tie_count DESC, a.name, u.qid LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, limit])
        return [(int(pk), int(matched)) for pk, matched in cursor.fetchall()]


def _matches(pks: list[int], conditions) -> dict[int, list[str]]:
    """Per actor, the sentences for the parts of the question it matches."""
    out: dict[int, list[str]] = {pk: [] for pk in pks}
    for kind, value, condition in conditions:
        if kind == "text":  # the search on these few actors, not the whole network's matches
            found = value.search(Actor.objects.filter(pk__in=pks)).order_by()
        else:
            found = Actor.objects.filter(pk__in=pks).filter(condition)
        for pk in set(found.values_list("pk", flat=True)):
            out[pk].append(_sentence(kind, value))
    return out


def _sentence(kind: str, value) -> str:
    if kind == "theme":
        return _("arbeitet zu %(theme)s") % {"theme": value.name}
    if kind == "sdg":
        return _("SDG %(n)s: %(name)s") % {"n": value.number, "name": value.name}
    if kind == "country":
        return _("engagiert in %(country)s") % {"country": value[1]}
    if kind == "listing":
        direction, categories = value
        labels = " / ".join(label for _c, label in categories)
        if direction == Direction.NEED:
            return _("sucht %(what)s") % {"what": labels}
        return _("bietet %(what)s") % {"what": labels}
    if kind == "kind":
        return _("ist %(kinds)s") % {"kinds": " / ".join(label for _k, label in value)}
    return _("Name oder Beschreibung passt zu „%(words)s“") % {"words": " ".join(value)}
