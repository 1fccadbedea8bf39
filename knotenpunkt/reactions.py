"""What happens after a change: the one list of reactions, in the order they run.

Services record their changes (knotenpunkt.changes) and nothing else; this list says which derived
data follows which kinds of change. It sits at the top of the project, beside urls.py, so the
domains never import each other to pass news along. Reactions inside the transaction keep rows
that must never disagree with the data; reactions after the commit start work outside it.
See docs/architecture.md, "One record of every change".
"""

from __future__ import annotations

from knotenpunkt.activities.models import SourceKind
from knotenpunkt.activities.tasks import refresh_calendar_source
from knotenpunkt.actors import search
from knotenpunkt.changes.kinds import ChangeKind as K
from knotenpunkt.changes.reactions import Reaction
from knotenpunkt.core.page_cache import bump_content_generation
from knotenpunkt.network import derived
from knotenpunkt.network.services import tie_counts_refresh, tie_neighbour_ids
from knotenpunkt.pages.tasks import send_barrier_report
from knotenpunkt.synergies.tasks import refresh_suggestions, send_introduction_mails

ACTOR_DOCUMENT = {K.ACTOR_CREATED, K.ACTOR_UPDATED, K.ACTOR_PUBLISHED, K.ACTOR_UNPUBLISHED, K.ACTOR_MERGED}
ACTOR_GONE = {K.ACTOR_DELETED, K.ACTOR_MERGED}
TIE_SET = {K.TIE_CREATED, K.TIE_DELETED, K.ACTOR_MERGED, K.ACTOR_DELETED}
# What else changes the public tie counts: a tie made public or internal, an actor (un)published.
PUBLIC_TIE_COUNT = {K.TIE_UPDATED, K.ACTOR_PUBLISHED, K.ACTOR_UNPUBLISHED, K.ACTOR_UPDATED}
SHARED_WORK = {
    K.ACTIVITY_CREATED,
    K.ACTIVITY_UPDATED,
    K.ACTIVITY_DELETED,
    K.ACTIVITY_EXCEPTION_SAVED,
    K.ACTIVITY_EXCEPTION_DELETED,
    K.ACTIVITY_PARTICIPATION_CONFIRMED,
    K.ACTIVITY_PARTICIPATION_DECLINED,
    K.INTERACTION_CREATED,
    K.INTERACTION_UPDATED,
    K.INTERACTION_DELETED,
}
PARTNER_SIGNALS = {
    K.ACTOR_CREATED,
    K.ACTOR_UPDATED,
    # Publication decides which reasons a suggestion may show publicly.
    K.ACTOR_PUBLISHED,
    K.ACTOR_UNPUBLISHED,
    K.TIE_CREATED,
    K.TIE_UPDATED,
    K.TIE_DELETED,
    K.LISTING_CREATED,
    K.LISTING_UPDATED,
    K.LISTING_ENDED,
    K.LISTING_DELETED,
    K.SUGGESTIONS_OPTED_IN,
}


def _actor_ids(batch) -> set[int]:
    return set().union(*(change.actor_ids for change in batch))


def _gone_actor_ids(batch) -> set[int]:
    gone = {change.record_id for change in batch if change.kind == K.ACTOR_DELETED}
    gone |= {change.data["duplicate"]["id"] for change in batch if change.kind == K.ACTOR_MERGED}
    return gone


def update_search_index(batch) -> None:
    gone = _gone_actor_ids(batch)
    changed = {change.record_id for change in batch if change.kind in ACTOR_DOCUMENT}
    search.remove_actors(gone)
    search.index_actors(changed - gone)


def reindex_theme_actors(batch) -> None:
    """A theme's names are part of its actors' search documents."""
    search.index_actors(search.actor_ids_with_themes({change.record_id for change in batch}))


def _publication_changed(change) -> bool:
    if change.kind in (K.ACTOR_PUBLISHED, K.ACTOR_UNPUBLISHED):
        return True
    return change.kind == K.ACTOR_UPDATED and "published" in change.data.get("fields", {})


def recount_ties(batch) -> None:
    """Both tie counts of the actors whose ties changed; after a publication change also of every partner
    (a visitor no longer, or newly, sees their ties to it)."""
    ids = set()
    published = set()
    for change in batch:
        if change.kind in TIE_SET or (change.kind == K.TIE_UPDATED and "public" in change.data.get("fields", {})):
            ids |= set(change.actor_ids)
        elif _publication_changed(change):
            published.add(change.record_id)
    if published:
        ids |= published | tie_neighbour_ids(published)
    tie_counts_refresh(ids - _gone_actor_ids(batch))


def refresh_derived_relationships(batch) -> None:
    derived.refresh_pairs(_actor_ids(batch))


def raise_page_generation(batch) -> None:
    bump_content_generation()


def refresh_partner_suggestions(batch) -> None:
    actor_ids = _actor_ids(batch) - _gone_actor_ids(batch)
    if actor_ids:
        refresh_suggestions.enqueue(sorted(actor_ids))


def send_queued_introduction_mails(batch) -> None:
    send_introduction_mails.enqueue()


def import_new_calendars(batch) -> None:
    """A new calendar (a feed address or an uploaded file) is imported for the first time."""
    for change in batch:
        if change.data.get("values", {}).get("kind") in (SourceKind.URL, SourceKind.UPLOAD):
            refresh_calendar_source.enqueue(change.record_id)


def mail_barrier_reports(batch) -> None:
    for change in batch:
        send_barrier_report.enqueue(change.record_id)


REACTIONS = [
    # Inside the transaction: derived rows that commit or roll back with the change.
    Reaction("search index", update_search_index, kinds=frozenset(ACTOR_DOCUMENT | ACTOR_GONE)),
    Reaction("search index of a theme's actors", reindex_theme_actors, kinds=frozenset({K.THEME_SAVED})),
    Reaction("tie counts", recount_ties, kinds=frozenset(TIE_SET | PUBLIC_TIE_COUNT)),
    Reaction("derived relationships", refresh_derived_relationships, kinds=frozenset(SHARED_WORK)),
    Reaction("page-cache generation", raise_page_generation, public_only=True),
    # After the commit: background work that must only see committed data.
    Reaction("partner suggestions", refresh_partner_suggestions, kinds=frozenset(PARTNER_SIGNALS), after_commit=True),
    Reaction(
        "introduction mails",
        send_queued_introduction_mails,
        kinds=frozenset({K.INTRODUCTION_SENT, K.INTRODUCTION_MAILS_RETRIED}),
        after_commit=True,
    ),
    Reaction(
        "barrier report to the office", mail_barrier_reports, kinds=frozenset({K.BARRIER_REPORTED}), after_commit=True
    ),
    Reaction(
        "first import of a calendar",
        import_new_calendars,
        kinds=frozenset({K.CALENDAR_SOURCE_CREATED}),
        after_commit=True,
    ),
]
