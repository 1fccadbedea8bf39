"""The network-health page: readings, charts with table fallbacks, isolated actors."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.network import analytics
from knotenpunkt.network.models import SnapshotScope
from tests.factories import ActorFactory, DepartmentFactory, TieFactory

pytestmark = pytest.mark.django_db
URL = reverse("network:health")


@pytest.fixture
def network(db):
    a, b = ActorFactory(name="Verein Alpha"), ActorFactory(name="Verein Beta")
    dept = DepartmentFactory(name="Fachbereich Umwelt")
    TieFactory(source=a, target=b)
    TieFactory(source=b, target=dept)
    ActorFactory(name="Einsamer Verein")
    ActorFactory(name="Versteckter Verein", published=False)
    return a


def test_without_a_snapshot_the_page_explains_when_figures_come(client, network):
    response = client.get(URL)
    assert response.status_code == 200
    assert "Noch keine Auswertung vorhanden" in response.content.decode()


def test_visitors_read_the_public_snapshot(client, network):
    analytics.snapshot_compute(SnapshotScope.PUBLIC)
    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    html = client.get(URL).content.decode()
    assert "Das Netzwerk hat 4 Akteure und 2 Verbindungen." in html
    assert "Einsamer Verein" in html  # isolated, listed
    assert "Versteckter Verein" not in html
    assert "2 Vereine haben keinen Kontakt zur Verwaltung." in html  # Alpha and the lone one
    assert 'id="chart-degree"' in html and "Daten als Tabelle" in html
    assert "health-charts-data" in html


def test_staff_read_the_internal_snapshot(client, coordinator, network):
    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    assert "Versteckter Verein" in html  # unpublished, isolated: only internally
    assert "Verbindungen zwischen Sektoren" in html


def test_monthly_snapshots_draw_the_trend(client, coordinator, network):
    first = timezone.now() - dt.timedelta(days=70)
    for days in (0, 35):
        analytics.snapshot_compute(SnapshotScope.INTERNAL, now=first + dt.timedelta(days=days))
    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    assert 'id="chart-trend"' in html
    assert "Entwicklung (Monatsstände)" in html
