"""The back office speaks German: app and model names of the task queue and the scheduler, Django's own
JavaScript strings from the project's catalogues, and the app's look (templates/admin/base_site.html)."""

import polib
import pytest
from django.test import override_settings

from knotenpunkt.accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client):
    client.force_login(UserFactory(role=Role.COORDINATOR))
    return client


def test_the_index_names_the_task_queue_and_the_scheduler_in_german(coordinator_client):
    html = coordinator_client.get("/admin/").content.decode()
    assert "Hintergrundaufgaben" in html and "Geplante Läufe" in html
    assert "Tasks Database Backend" not in html and "Scheduled runs" not in html


def test_the_admin_wears_the_apps_colours_and_links_back_to_it(coordinator_client):
    html = coordinator_client.get("/admin/").content.decode()
    assert "css/admin" in html and 'class="brand-mark"' in html
    assert 'class="to-app" href="/"' in html


def test_the_admins_javascript_strings_include_the_projects_catalogue(coordinator_client, tmp_path):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "de"}
    po.append(polib.POEntry(msgid="Choose all %s", msgstr="Alle %s auswählen"))
    (tmp_path / "de" / "LC_MESSAGES").mkdir(parents=True)
    po.save_as_mofile(str(tmp_path / "de" / "LC_MESSAGES" / "djangojs.mo"))
    with override_settings(LOCALE_PATHS=[tmp_path]):
        script = coordinator_client.get("/admin/jsi18n/").content.decode()
    assert '"Choose all %s": "Alle %s ausw\\u00e4hlen"' in script
    assert '"Choose all": "Alle ausw\\u00e4hlen"' in script  # Django's own German stays


def test_the_projects_german_catalogues_fill_what_django_and_the_task_queue_lack(coordinator_client):
    """locale/de: "Choose all %s" (Django 5.2 has no German for it) and django_tasks_db's model names."""
    script = coordinator_client.get("/admin/jsi18n/").content.decode()
    assert '"Choose all %s": "Alle %s ausw\\u00e4hlen"' in script
    assert '"Remove all %s": "Alle %s entfernen"' in script
    html = coordinator_client.get("/admin/").content.decode()
    assert "Ergebnisse der Hintergrundaufgaben" in html and "Task Results" not in html
