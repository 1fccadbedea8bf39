"""The network-health page: readings, charts with table fallbacks, isolated actors."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from knotenpunkt.actors.models import Actor
from knotenpunkt.network import analytics
from knotenpunkt.network.models import SnapshotScope, Tie
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


def trend_table(html):
    """The Entwicklung table as rows of cell texts (month first)."""
    table = html[html.index('id="health-trend-table"') :]
    table = table[: table.index("</table>")]
    body = table[table.index("<tbody>") :]
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def back_to(days):
    """Actors and ties of the network fixture were there `days` ago."""
    when = timezone.now() - dt.timedelta(days=days)
    Actor.objects.update(created_at=when)
    Tie.objects.update(created_at=when)


def test_entwicklung_draws_a_chart_and_a_table_per_month(client, coordinator, network):
    back_to(200)
    late = ActorFactory(name="Neuer Verein")  # entered today, tied to Alpha
    TieFactory(source=late, target=network)
    analytics.snapshot_history(SnapshotScope.INTERNAL, 3)
    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    assert 'id="health-trend"' in html and ">Entwicklung<" in html
    for chart in ("size", "apart", "density", "community_count", "mean_reach"):
        assert f'id="chart-trend-{chart}"' in html
    rows = trend_table(html)
    assert [row[1:3] for row in rows] == [["5", "2"]] * 3 + [["6", "3"]]  # actors, ties per month
    since = formats.date_format(analytics.month_ends(3)[0], "YEAR_MONTH_FORMAT")
    assert f"Seit {since} ist 1 Verbindung dazugekommen; 1 Akteur mehr;" in html
    deltas = html[html.index("health-deltas") :]
    assert re.search(r"<th scope=\"row\">Akteure</th><td>6</td><td>\+1</td><td>–</td>", deltas)
    assert "Noch kein Verlauf" not in html


def test_with_one_month_only_the_entwicklung_explains_itself(client, coordinator, network):
    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    assert "Noch kein Verlauf" in html
    assert "network_snapshot --history 12" in html  # staff learn how to fill the history
    assert "chart-trend-" not in html and "health-trend-table" not in html


def test_visitors_see_the_public_entwicklung_only(client, network):
    back_to(100)
    for scope in (SnapshotScope.INTERNAL, SnapshotScope.PUBLIC):
        analytics.snapshot_history(scope, 2)
        analytics.snapshot_compute(scope)
    html = client.get(URL).content.decode()
    rows = trend_table(html)
    assert len(rows) == 3
    assert {row[1] for row in rows} == {"4"}  # the unpublished Verein is left out of every month
    assert "network_snapshot --history" not in html


def test_visitors_see_no_empty_state_hint_for_staff(client, network):
    analytics.snapshot_compute(SnapshotScope.PUBLIC)
    html = client.get(URL).content.decode()
    assert "Noch kein Verlauf" in html
    assert "network_snapshot --history" not in html


@pytest.fixture
def page_cache(settings):
    settings.CACHES = {**settings.CACHES, "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import caches

    caches["pages"].clear()


def test_an_unpublished_actor_leaves_the_public_health_page_at_once(client, coordinator, network, page_cache):
    from knotenpunkt.actors.services import actor_set_published

    analytics.snapshot_compute(SnapshotScope.PUBLIC)
    beta, lone = Actor.objects.get(name="Verein Beta"), Actor.objects.get(name="Einsamer Verein")
    before = client.get(URL).content.decode()
    graph = reverse("network:graph")
    assert client.get(graph).json()  # the map's JSON, now in the page cache
    assert "Verein Beta" in before and "Einsamer Verein" in before  # the hub and the isolated one

    for actor in (beta, lone):
        actor_set_published(user=coordinator, actor=actor, published=False)

    after = client.get(URL).content.decode()  # the snapshot is still the one from before
    assert "Verein Beta" not in after and "Einsamer Verein" not in after
    assert "Verein Alpha" in after
    names = [node["name"] for node in client.get(graph).json()["nodes"]]
    assert "Verein Beta" not in names and "Einsamer Verein" not in names


def test_internal_readers_still_see_unpublished_actors_on_the_internal_page(client, coordinator, network):
    from knotenpunkt.actors.services import actor_set_published

    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    actor_set_published(user=coordinator, actor=Actor.objects.get(name="Einsamer Verein"), published=False)
    client.force_login(coordinator)

    assert "Einsamer Verein" in client.get(URL).content.decode()
