"""The network-health page in a real browser: the demo data's isolated actors, charts drawn, the
monthly Entwicklung computed from the demo's dates."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import expect

from knotenpunkt.network import analytics
from knotenpunkt.network.models import ActorMetrics, SnapshotScope
from tests.browser.conftest import SCREENSHOTS
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo_snapshots(db):
    # Transactional tests without serialized rollback (tests/test_scheduler.py) flush the seeded SDGs.
    seed = importlib.import_module("knotenpunkt.actors.migrations.0002_seed_sdgs").seed
    seed(apps, None)
    call_command("load_demo", quiet=True)
    snapshots = {}
    for scope in (SnapshotScope.INTERNAL, SnapshotScope.PUBLIC):
        analytics.snapshot_history(scope, 12)  # as `make run` does: a year of month ends from the data
        snapshots[scope] = analytics.snapshot_compute(scope)
    return snapshots


def test_the_health_page_shows_the_isolated_actors_of_the_demo_data(new_page, demo_snapshots, screenshot):
    from knotenpunkt.accounts.models import Role

    internal = demo_snapshots[SnapshotScope.INTERNAL]
    isolated = list(
        ActorMetrics.objects.filter(snapshot=internal, is_isolate=True).values_list("actor__name", flat=True)
    )
    assert isolated, "the demo data has isolated actors"
    page = new_page(user=UserFactory(username="koordination-test", role=Role.COORDINATOR))
    page.goto("/netzwerk/gesundheit/")
    section = page.get_by_role("region", name="Akteure ohne Verbindung")
    for name in isolated:
        expect(section.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_text("Das Netzwerk hat")).to_be_visible()
    # chart.js drew the charts (each canvas has a chart), and the data are there as tables too.
    page.wait_for_function("document.querySelectorAll('canvas').length >= 2 && Chart.getChart('chart-degree')")
    distributions = page.get_by_role("region", name="Verteilungen")
    distributions.get_by_text("Daten als Tabelle").first.click()
    expect(distributions.locator("figure table").first).to_be_visible()
    screenshot(page, "network-health")
    # The Entwicklung: a line chart per figure group over the months, the change in words, a table.
    trend = page.get_by_role("region", name="Entwicklung")
    page.wait_for_function("Chart.getChart('chart-trend-size')")
    labels = page.evaluate("Chart.getChart('chart-trend-size').data.labels")
    assert len(labels) == 13  # twelve month ends and now
    expect(trend.get_by_role("img", name="Akteure und Verbindungen")).to_be_visible()
    expect(trend.get_by_text("Verbindungen dazugekommen")).to_be_visible()
    expect(trend.get_by_role("table").first).to_be_visible()  # the month-over-month and year-over-year changes
    trend.get_by_text("Daten als Tabelle").click()
    table = trend.locator("#health-trend-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(13)
    trend.screenshot(path=SCREENSHOTS / "network-health-trend.png")
    # A visitor sees the public snapshot: published actors only.
    visitor = new_page()
    visitor.goto("/netzwerk/gesundheit/")
    expect(visitor.get_by_text("veröffentlichte Akteure und öffentliche Beziehungen")).to_be_visible()
