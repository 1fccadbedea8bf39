"""Two app servers (two gunicorn instances on two ports) sharing one PostgreSQL database serve one user
correctly (issue 14): a login on one is a login on the other, a Kumu upload previewed on one is
confirmed on the other, and a calendar uploaded on one is shown as waiting on the other.

Nothing a request needs from an earlier request may live on one server's disk or in its memory.
"""

import http.cookiejar
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from bench.server import free_port, gunicorn
from knotenpunkt.accounts.models import Role
from knotenpunkt.activities.models import CalendarSource
from knotenpunkt.actors.models import Actor
from tests.factories import ActorFactory, UserFactory
from tests.test_ical_import import feed_v1

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "zwei-server-passwort"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two app servers share a PostgreSQL database"),
]


class Browser:
    """Cookies (one jar for both servers, as a browser keeps them per host, not per port), forms, redirects."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post(self, url: str, fields: dict, files: dict | None = None, referer: str = "") -> tuple[int, str]:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        fields = {"csrfmiddlewaretoken": token, **fields}
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                )
            for name, (filename, content) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n".encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": content_type, "Referer": referer or url}, method="POST"
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


@pytest.fixture
def two_servers(tmp_path):
    settings = connection.settings_dict
    database_url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "zwei-server-" + "s" * 50,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
        "VIRTUAL_ENV": str(Path(sys.executable).parent.parent),
    }
    with (
        gunicorn(root=ROOT, env=env, port=free_port(), workers=1, log_path=tmp_path / "a.log") as a,
        gunicorn(root=ROOT, env=env, port=free_port(), workers=1, log_path=tmp_path / "b.log") as b,
    ):
        yield a, b


def test_one_user_is_served_alike_by_two_app_servers(two_servers, settings):
    a, b = two_servers
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the servers check
    UserFactory(username="koordination", role=Role.COORDINATOR, password=PASSWORD)
    actor = ActorFactory(name="Weltladen Ludwigsburg", published=True)
    browser = Browser()

    # Logged in on A ...
    status, html = browser.get(a + "/konto/anmelden/")
    assert status == 200, html[:2000]
    status, html = browser.post(a + "/konto/anmelden/", {"username": "koordination", "password": PASSWORD})
    assert status == 200 and "Abmelden" in html, re.findall(r'class="[^"]*error[^"]*"[^<]*<[^<]*', html)
    # ... is logged in on B.
    status, html = browser.get(b + "/netzwerk/austausch/import/")
    assert status == 200 and "Abmelden" in html

    # A Kumu file previewed on A is confirmed on B.
    kumu = json.dumps({"elements": [{"label": "Neuer Verein aus Kumu", "type": "Verein"}], "connections": []})
    status, html = browser.post(
        a + "/netzwerk/austausch/import/",
        {},
        files={"file": ("kumu.json", kumu.encode())},
        referer=a + "/netzwerk/austausch/import/",
    )
    assert status == 200 and "Neuer Verein aus Kumu" in html, html[:3000]  # the preview, after the redirect
    status, html = browser.get(b + "/netzwerk/austausch/import/vorschau/")
    assert status == 200 and "Neuer Verein aus Kumu" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    status, html = browser.post(b + "/netzwerk/austausch/import/bestaetigen/", {"token": token, "action": "confirm"})
    assert status == 200
    assert Actor.objects.filter(name="Neuer Verein aus Kumu").count() == 1

    # A calendar uploaded on A waits for the worker, as B shows.
    sources = f"/akteure/{actor.slug}/kalender/"
    browser.get(a + sources)
    status, _html = browser.post(
        a + sources, {"kind": "upload", "public": "on"}, files={"file": ("verein.ics", feed_v1().encode())}
    )
    assert status == 200
    assert CalendarSource.objects.get(actor=actor).refresh_pending
    status, html = browser.get(b + sources)
    assert status == 200 and "Wartet auf den Hintergrunddienst" in html


def test_several_workers_at_once_run_each_task_exactly_once(tmp_path):
    """Three `manage.py worker` processes on one queue: every task runs, none twice (row locks with
    SKIP LOCKED decide who takes a task)."""
    import subprocess

    from django_tasks_db.models import DBTaskResult

    from tests.tasks_for_tests import mark

    runs = tmp_path / "runs.txt"
    for n in range(100):
        mark.enqueue(str(runs), n)
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}",
        "SECRET_KEY": "worker-test-" + "s" * 50,
        "DEBUG": "0",
    }
    command = [sys.executable, "manage.py", "worker", "--batch", "--no-schedule"]
    workers = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(3)]
    for worker in workers:
        assert worker.wait(timeout=120) == 0

    lines = [line.split() for line in runs.read_text().splitlines()]
    assert sorted(int(n) for n, _pid in lines) == list(range(100))  # each once
    assert len({pid for _n, pid in lines}) >= 2  # and the work was shared
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
