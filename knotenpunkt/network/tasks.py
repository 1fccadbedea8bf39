"""Background tasks of the network (run by `manage.py db_worker`)."""

from django_tasks import task

from knotenpunkt.network import derived
from knotenpunkt.network.models import SnapshotScope


@task()
def rebuild_derived_ties() -> dict:
    """Nightly: recompute all derived relationships and last contacts.

    Changes to activities and interactions refresh their pairs at once; this run also counts
    meetings that have moved into the past since, and lets the recency weights decay.
    """
    return derived.rebuild_all()


@task()
def compute_network_snapshot(scopes: list[str] | None = None) -> dict:
    """Daily: network analytics into stored snapshots (internal and public view; network/analytics.py)."""
    # igraph and scipy load with it: only the worker running this task pays for them.
    from knotenpunkt.network import analytics

    done = {}
    for scope in scopes or [SnapshotScope.INTERNAL, SnapshotScope.PUBLIC]:
        snapshot = analytics.snapshot_compute(scope)
        done[str(scope)] = {"id": snapshot.pk, "actors": snapshot.node_count, "seconds": snapshot.duration_seconds}
    return done
