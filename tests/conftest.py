"""Shared personas: the permission tests read like a table of roles."""

import importlib

import pytest
from django.test import Client
from django.test.client import ClientHandler

from knotenpunkt.accounts.models import Role
from tests.factories import ActorFactory, DepartmentFactory, UserFactory
from tests.scratch_databases import new_target  # noqa: F401 (a fixture for test_backup, test_privacy_kill)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Logins are part of many tests; the production hasher costs ~0.3 s per password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def erasure_log_in_tmp(settings, tmp_path):
    # Every test writes its own erasure log file (erasures append to it after commit).
    settings.KNOTENPUNKT_ERASURE_LOG = tmp_path / "erasure-log.jsonl"


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    # Factories write around the services, so they do not raise the content generation;
    # the page cache is tested on its own in test_page_cache.py.
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }


@pytest.fixture(scope="session")
def shared_handler():
    # WhiteNoise indexes every static file when the middleware chain loads (~0.3 s); load it once.
    return ClientHandler(enforce_csrf_checks=False)


@pytest.fixture
def client(shared_handler):
    client = Client()
    client.handler = shared_handler
    return client


@pytest.fixture
def department(db):
    return DepartmentFactory(name="Referat Nachhaltige Stadtentwicklung", published=True)


@pytest.fixture
def actor_a(db):
    return ActorFactory(name="Förderkreis Beispiel e.V.", published=True)


@pytest.fixture
def actor_b(db):
    return ActorFactory(name="Initiative Unveröffentlicht", published=False)


@pytest.fixture
def coordinator(db):
    return UserFactory(username="koordination", role=Role.COORDINATOR)


@pytest.fixture
def city_staff(db, department):
    return UserFactory(username="fachbereich", role=Role.CITY_STAFF, department=department)


@pytest.fixture
def editor_a(db, actor_a):
    user = UserFactory(username="verein-a", role=Role.ACTOR_EDITOR)
    user.edited_actors.add(actor_a)
    return user


@pytest.fixture
def editor_b(db, actor_b):
    user = UserFactory(username="verein-b", role=Role.ACTOR_EDITOR)
    user.edited_actors.add(actor_b)
    return user


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.fixture
def seeded_sdgs(db):
    """The 17 SDGs a migration seeds. A transactional test (live server, the scheduler) ends with a
    flush that empties that table too; tests running after one call this to have them back."""
    from django.apps import apps

    from knotenpunkt.actors.models import SDG

    if SDG.objects.count() < 17:
        importlib.import_module("knotenpunkt.actors.migrations.0002_seed_sdgs").seed(apps, None)


@pytest.fixture
def seeded_coverage_rules(db):
    """The „Wer fehlt?" rules a migration seeds (one per check), back after a transactional test's flush."""
    from django.apps import apps

    from knotenpunkt.initiatives.models import CoverageKind, CoverageRule

    if CoverageRule.objects.count() < len(CoverageKind.values):
        importlib.import_module("knotenpunkt.initiatives.migrations.0002_default_coverage_rules").seed(apps, None)
