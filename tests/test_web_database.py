"""The web server's PostgreSQL sessions plan without parallel workers (core/web_database.py); the background
worker and management commands keep PostgreSQL's own setting."""

import importlib

import pytest
from django.db import connection, connections
from django.db.backends.signals import connection_created

from knotenpunkt.core import web_database

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting"),
]


def _parallel_workers_of_a_new_connection() -> str:
    new = connections.create_connection("default")
    try:
        with new.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            return cursor.fetchone()[0]
    finally:
        new.close()


@pytest.fixture
def web_server():
    yield
    connection_created.disconnect(dispatch_uid="knotenpunkt-web-database")


def test_the_web_servers_connections_plan_without_parallel_workers(web_server):
    importlib.reload(importlib.import_module("knotenpunkt.wsgi"))  # what gunicorn loads
    assert _parallel_workers_of_a_new_connection() == "0"


def test_the_number_can_be_set(web_server, settings):
    settings.PG_WEB_PARALLEL_WORKERS = 3
    web_database.configure()
    assert _parallel_workers_of_a_new_connection() == "3"


def test_other_processes_keep_postgresqls_setting():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reset_val FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'")
        configured = cursor.fetchone()[0]  # the server's own value (postgresql.conf, or the built-in 2)
    assert _parallel_workers_of_a_new_connection() == configured
