"""`make run PORT=8080` makes every absolute link use that port: the Makefile hands the port to the
server and the worker (KNOTENPUNKT_PORT), settings build SITE_URL from it unless SITE_URL is set, and
mails, .ics files and feed addresses are built from SITE_URL."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.activities import services as activity_services
from tests.matrix import body

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def _site_url_with(env: dict) -> str:
    """SITE_URL as settings.py computes it in a fresh process with `env`."""
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "SITE_URL_FILE", "KNOTENPUNKT_PORT")}
    result = subprocess.run(
        [sys.executable, "-c", "from knotenpunkt import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_site_address_follows_the_port_unless_it_is_set():
    assert _site_url_with({}) == "http://127.0.0.1:8000"
    assert _site_url_with({"KNOTENPUNKT_PORT": "8080"}) == "http://127.0.0.1:8080"
    assert (
        _site_url_with({"KNOTENPUNKT_PORT": "8080", "SITE_URL": "https://knotenpunkt.example.org/"})
        == "https://knotenpunkt.example.org"
    )


def test_make_run_hands_its_port_to_the_server_and_the_worker():
    result = subprocess.run(
        ["make", "-n", "--always-make", "run", "PORT=8080"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    lines = [line for line in result.stdout.splitlines() if "manage.py worker" in line or "runserver" in line]
    assert lines, result.stdout
    assert "KNOTENPUNKT_PORT=8080" in lines[0] and "manage.py worker" in lines[0]
    assert any("KNOTENPUNKT_PORT=8080" in line and "runserver 127.0.0.1:8080" in line for line in lines)


def test_ics_files_and_feed_addresses_use_the_port(client, coordinator, settings):
    settings.SITE_URL = _site_url_with({"KNOTENPUNKT_PORT": "8080"})
    start = timezone.now() + dt.timedelta(days=3)
    activity = activity_services.activity_create(
        user=None, data={"title": "Eine-Welt-Forum", "start": start, "end": start, "public": True}
    )

    ics = client.get(reverse("activities:activity_ics", kwargs={"pk": activity.pk})).content.decode()
    assert f"URL:http://127.0.0.1:8080/termine/{activity.pk}/" in ics.replace("\r\n ", "")
    public_feed = body(client.get(reverse("activities:feed"))).replace("\r\n ", "")
    assert "http://127.0.0.1:8080/termine/" in public_feed
    assert "127.0.0.1:8000" not in ics + public_feed

    client.force_login(coordinator)
    client.post(reverse("activities:feed_settings"), {"action": "renew"})
    page = client.get(reverse("activities:feed_settings")).content.decode()
    assert "http://127.0.0.1:8080/termine.ics" in page
    assert "http://127.0.0.1:8080/kalender/abo/" in page
