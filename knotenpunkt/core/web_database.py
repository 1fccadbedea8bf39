"""Database session settings for the web server's connections only.

A page's queries are short. On PostgreSQL a parallel plan starts worker processes for each of them,
which costs more than it saves: the directory's count of a search took 9 ms in a parallel plan doing
0.8 ms of work per process, and under load the workers compete with the requests for the same cores
(docs/benchmarks.md, "Everyday use"). So the web server's connections plan without parallel workers;
the background worker and management commands (reports, nightly recounts over whole tables) keep
PostgreSQL's setting. `PG_WEB_PARALLEL_WORKERS` overrides the number (e.g. on a large server).
"""

from django.conf import settings
from django.db.backends.signals import connection_created


def plan_for_short_queries(sender, connection, **kwargs) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = %s", [int(settings.PG_WEB_PARALLEL_WORKERS)])


def configure() -> None:
    """Called by the WSGI entry point (knotenpunkt/wsgi.py), before the first request."""
    connection_created.connect(plan_for_short_queries, dispatch_uid="knotenpunkt-web-database")
