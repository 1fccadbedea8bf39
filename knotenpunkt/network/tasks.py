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
