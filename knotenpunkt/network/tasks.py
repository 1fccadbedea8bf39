"""Background tasks of the network (run by `manage.py db_worker`)."""

from django_tasks import task

from knotenpunkt.network import derived


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
    from knotenpunkt.network import analytics
    from knotenpunkt.network.models import SnapshotScope

    done = {}
    for scope in scopes or [SnapshotScope.INTERNAL, SnapshotScope.PUBLIC]:
        snapshot = analytics.snapshot_compute(scope)
        done[str(scope)] = {"id": snapshot.pk, "actors": snapshot.node_count, "seconds": snapshot.duration_seconds}
    return done
