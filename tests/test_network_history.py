"""Monthly history of the network (analytics.load_graph_as_of, snapshot_history, `network_snapshot --history`).

A snapshot "as of" a past day counts the declared ties that had started and not ended by then (undated
ones from the day they were entered), the pairs that had met by then, and the actors that were there:
entered by then, or at one end of a tie or meeting dated before.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from knotenpunkt.actors.models import Actor
from knotenpunkt.network import analytics
from knotenpunkt.network.models import ActorMetrics, DerivedTie, NetworkSnapshot, SnapshotScope
from tests.factories import ActorFactory, TieFactory

pytestmark = pytest.mark.django_db
D = dt.date


def entered(actor_or_tie, day: dt.date):
    """Backdate when a record was entered (created_at is set automatically on insert)."""
    type(actor_or_tie).objects.filter(pk=actor_or_tie.pk).update(
        created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    )


def met(x, y, first: dt.date, *, public_first: dt.date | None = None):
    a, b = sorted([x.pk, y.pk])
    DerivedTie.objects.create(
        actor_a_id=a,
        actor_b_id=b,
        count=2 if public_first else 1,
        first_met=first,
        last_met=timezone.localdate(),
        weight_score=1.0,
        public_count=1 if public_first else 0,
        public_first_met=public_first,
        public_last_met=timezone.localdate() if public_first else None,
        staff_count=2 if public_first else 1,
        staff_first_met=first,
        staff_last_met=timezone.localdate(),
        staff_weight_score=1.0,
    )


@pytest.fixture
def history(db):
    """Entered in 2023: a, b, c, f and the unpublished u. Entered today: d, e, g, h."""
    w = {name: ActorFactory(name=name) for name in "abcdefgh"}
    w["u"] = ActorFactory(name="u", published=False)
    for name in "abcfu":
        entered(w[name], D(2023, 5, 1))
    TieFactory(source=w["a"], target=w["b"], start_date=D(2025, 1, 1))
    TieFactory(source=w["b"], target=w["c"], start_date=D(2024, 1, 1), end_date=D(2025, 3, 31))  # ended
    TieFactory(source=w["d"], target=w["a"], start_date=D(2025, 2, 1))  # d was there before it was entered
    TieFactory(source=w["f"], target=w["a"])  # undated, entered today: counts from today
    entered(TieFactory(source=w["u"], target=w["c"]), D(2024, 9, 1))  # undated, entered 2024
    TieFactory(source=w["c"], target=w["f"], start_date=D(2024, 2, 1), public=False)
    met(w["g"], w["h"], D(2025, 6, 15), public_first=D(2025, 8, 2))
    met(w["b"], w["f"], D(2025, 5, 1))  # internal meetings only
    return w


def picture(scope, as_of):
    graph = analytics.load_graph(scope, as_of=as_of)
    names = dict(Actor.objects.filter(pk__in=graph.ids.tolist()).values_list("pk", "name"))
    actors = "".join(sorted(names[pk] for pk in graph.ids.tolist()))
    edges = {
        "".join(sorted(names[int(graph.ids[u])] + names[int(graph.ids[v])]))
        for u, v in zip(graph.u, graph.v, strict=True)
    }
    return actors, " ".join(sorted(edges))


@pytest.mark.parametrize(
    "scope, as_of, actors, edges",
    [
        # internal: every actor and tie, meetings from the first one
        ("internal", D(2023, 4, 30), "", ""),
        ("internal", D(2024, 6, 30), "abcfu", "bc cf"),
        ("internal", D(2024, 9, 30), "abcfu", "bc cf cu"),
        ("internal", D(2025, 1, 31), "abcfu", "ab bc cf cu"),
        ("internal", D(2025, 3, 31), "abcdfu", "ab ad bc cf cu"),  # the end day still counts
        ("internal", D(2025, 4, 30), "abcdfu", "ab ad cf cu"),  # b–c ended, c stays
        ("internal", D(2025, 6, 30), "abcdfghu", "ab ad bf cf cu gh"),
        # public: published actors, public ties, meetings from the first public one
        ("public", D(2024, 9, 30), "abcf", "bc"),
        ("public", D(2025, 6, 30), "abcdf", "ab ad"),
        ("public", D(2025, 8, 31), "abcdfgh", "ab ad gh"),
    ],
)
def test_as_of_graph_counts_ties_valid_then_and_actors_there_then(history, scope, as_of, actors, edges):
    assert picture(scope, as_of) == (actors, edges)


def test_as_of_today_adds_what_was_entered_today(history):
    actors, edges = picture(SnapshotScope.INTERNAL, timezone.localdate())
    assert actors == "abcdefghu"  # e has no tie: there because it was entered
    assert "af" in edges.split()  # undated tie entered today


def test_as_of_snapshot_is_the_monthly_snapshot_of_its_month(history):
    snapshot = analytics.snapshot_compute(SnapshotScope.INTERNAL, as_of=D(2025, 4, 30))
    assert snapshot.monthly
    assert timezone.localtime(snapshot.computed_at).replace(tzinfo=None) == dt.datetime(2025, 4, 30, 23, 59, 59)
    assert (snapshot.node_count, snapshot.edge_count, snapshot.isolate_count) == (6, 4, 0)
    assert snapshot.aggregates["as_of"] == "2025-04-30"
    assert not ActorMetrics.objects.filter(snapshot=snapshot).exists()  # profiles read the newest only


def test_month_ends_are_the_last_days_of_the_months_before_this_one():
    assert analytics.month_ends(3, D(2026, 3, 15)) == [D(2025, 12, 31), D(2026, 1, 31), D(2026, 2, 28)]
    assert analytics.month_ends(0, D(2026, 3, 15)) == []


def monthly_days(scope=SnapshotScope.INTERNAL):
    snapshots = NetworkSnapshot.objects.filter(scope=scope, monthly=True).order_by("computed_at")
    return [timezone.localdate(s.computed_at) for s in snapshots]


def test_history_command_fills_the_missing_month_ends_and_is_idempotent(history):
    ends = analytics.month_ends(4)
    call_command("network_snapshot", scope=["internal"], history=4, stdout=StringIO())
    this_month = timezone.localdate()
    assert monthly_days() == [*ends, this_month]  # four month ends, and the current snapshot
    count = NetworkSnapshot.objects.count()

    call_command("network_snapshot", scope=["internal"], history=4, stdout=StringIO())
    assert monthly_days() == [*ends, this_month]  # nothing new in the history
    assert NetworkSnapshot.objects.count() == count + 1  # only today's snapshot again (not monthly)

    NetworkSnapshot.objects.filter(computed_at__date=ends[1]).delete()  # a gap
    out = StringIO()
    call_command("network_snapshot", scope=["internal"], history=4, stdout=out)
    assert monthly_days() == [*ends, this_month]
    assert out.getvalue().count(f"internal {ends[1].isoformat()}:") == 1
    assert NetworkSnapshot.objects.filter(scope=SnapshotScope.PUBLIC).count() == 0  # only the asked scope


def test_history_keeps_a_month_that_already_has_a_monthly_snapshot(history):
    ends = analytics.month_ends(2)
    first_of_month = timezone.make_aware(dt.datetime.combine(ends[0].replace(day=1), dt.time(4)))
    real = analytics.snapshot_compute(SnapshotScope.PUBLIC, now=first_of_month)
    assert real.monthly
    made = analytics.snapshot_history(SnapshotScope.PUBLIC, 2)
    assert [timezone.localdate(s.computed_at) for s in made] == [ends[1]]
    assert monthly_days(SnapshotScope.PUBLIC) == [ends[0].replace(day=1), ends[1]]


def test_history_of_a_growing_network_grows(history):
    analytics.snapshot_history(SnapshotScope.INTERNAL, 3, today=D(2025, 7, 10))
    counts = list(
        NetworkSnapshot.objects.filter(scope=SnapshotScope.INTERNAL)
        .order_by("computed_at")
        .values_list("node_count", "edge_count")
    )
    assert counts == [(6, 4), (6, 5), (8, 6)]  # April, May (b–f met), June (g–h met)
