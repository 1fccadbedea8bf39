"""Every URL × every role × a published and an unpublished record, as one table.

A cell of MATRIX is the outcome for (published record, unpublished record); a single
token means the same outcome for both:

- "200", "403", "404", "405", "302": that HTTP status, nothing written;
- "login": redirect to the login page, nothing written;
- "shown" / "hidden": 200, and the record's name is / is not in the page;
- "done": redirect, and the change the request asked for happened.

Every request also compares a fingerprint of the database before and after: only "done"
may change it. A named URL without a row fails `test_every_named_url_has_a_matrix_entry`.
"""

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from knotenpunkt.accounts.models import Role, User
from knotenpunkt.activities.models import CalendarSource
from knotenpunkt.activities.services import activity_create
from knotenpunkt.actors.models import SDG, Actor, ActorCountry, ActorKind, Membership, Person
from knotenpunkt.changes.models import Change
from knotenpunkt.core import scheduler
from knotenpunkt.network.models import Tie, TieKind
from knotenpunkt.privacy.models import ConsentText, ErasureLogEntry
from tests import matrix
from tests.factories import (
    ActorFactory,
    DepartmentFactory,
    ListingFactory,
    MembershipFactory,
    PersonFactory,
    ThemeFactory,
    TieFactory,
    UserFactory,
)
from tests.tasks_for_tests import ping

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "coordinator", "city_staff", "city_staff_own_department", "editor_own", "editor_other")

# Columns follow ROLES (staff_own = city_staff_own_department).
# fmt: off
MATRIX = {
    #                                 anonymous       coordinator  city_staff  staff_own  editor_own  editor_other
    "pages:home":           {"GET":  ("200",          "200",       "200",      "200",     "200",      "200")},
    "core:healthz":        {"GET":  ("200",          "200",       "200",      "200",     "200",      "200")},
    "core:robots":         {"GET":  ("200",          "200",       "200",      "200",     "200",      "200")},
    "core:set_language":   {"POST": ("302",          "302",       "302",      "302",     "302",      "302")},
    "accounts:login":      {"GET":  ("200",          "200",       "200",      "200",     "200",      "200")},
    "accounts:logout":     {"GET":  ("405",          "405",       "405",      "405",     "405",      "405"),
                            "POST": ("302",          "302",       "302",      "302",     "302",      "302")},
    "actors:directory":    {"GET":  ("shown/hidden", "shown",     "shown",    "shown",   "shown",    "shown/hidden")},
    "actors:autocomplete": {"GET":  ("shown/hidden", "shown",     "shown",    "shown",   "shown",    "shown/hidden")},
    "pages:actor":       {"GET":  ("200/404",      "200",       "200",      "200",     "200",      "200/404")},
    # "Mein Akteur", the editors' home: the office and the city's staff are sent to their Schreibtisch.
    "pages:my_actor":      {"GET":  ("login",        "302",       "302",      "302",     "shown",    "hidden")},
    "actors:create":       {"GET":  ("login",        "200",       "403",      "403",     "403",      "403"),
                            "POST": ("login",        "done",      "403",      "403",     "403",      "403")},
    "actors:edit":         {"GET":  ("login",        "200",       "403",      "200",     "200",      "403/404"),
                            "POST": ("login",        "done",      "403",      "done",    "done",     "403/404")},
    "actors:publish":      {"GET":  ("login",        "405",       "405",      "405",     "405",      "405"),
                            "POST": ("login",        "done",      "403",      "403",     "403",      "403/404")},
    "actors:merge":        {"GET":  ("login",        "200",       "403",      "403",     "403",      "403/404"),
                            "POST": ("login",        "done",      "403",      "403",     "403",      "403/404")},
    "network:tie_create":  {"GET":  ("login",        "405",       "405",      "405",     "405",      "405"),
                            "POST": ("login",        "done",      "403",      "403",     "403",      "403/404")},
    "network:tie_delete":  {"GET":  ("login",        "405",       "405",      "405",     "405",      "405"),
                            "POST": ("login",        "done",      "403",      "403",     "403",      "403/404")},
}
# fmt: on

RECORD_NAME = "Fachbereich Eine Welt"
NEW_NAME = "Fachbereich Eine Welt und Klima"
CREATED_NAME = "Neu angelegter Verein"


def _edit_data(w):
    # Coordinator-only fields are posted by everybody: other roles' forms must drop them.
    data = {
        "name": NEW_NAME,
        "slug": w.record.slug,
        "kind": w.record.kind,
        "level": w.record.level,
        "parent": w.record.parent_id,
        "description": w.record.description,
        "city": w.record.city,
        "country": "DE",
        "internal_notes": w.record.internal_notes,
        "version": w.record.version,
    }
    if w.record.published:
        data["published"] = "on"
    return data


# How to call each URL with the world of one test, and what "done" means there.
SPECS = {
    "core:set_language": {"data": lambda w: {"language": "en", "next": "/"}},
    "actors:autocomplete": {"query": lambda w: {"q": "Eine Welt"}},
    "pages:actor": {"kwargs": lambda w: {"slug": w.record.slug}},
    "actors:create": {
        "data": lambda w: {"name": CREATED_NAME, "kind": ActorKind.ASSOCIATION, "level": "local", "country": "DE"},
        "done": lambda w: (
            Actor.objects.filter(name=CREATED_NAME).count() == 1
            and Change.objects.filter(record_label=CREATED_NAME, kind="actor.created").count() == 1
        ),
    },
    "actors:edit": {
        "kwargs": lambda w: {"slug": w.record.slug},
        "data": _edit_data,
        "done": lambda w: Actor.objects.get(pk=w.record.pk).name == NEW_NAME,
    },
    "actors:publish": {
        "kwargs": lambda w: {"slug": w.record.slug},
        "data": lambda w: {"published": "0" if w.record.published else "1", "version": w.record.version},
        "done": lambda w: Actor.objects.get(pk=w.record.pk).published is not w.record.published,
    },
    "actors:merge": {
        "kwargs": lambda w: {"slug": w.record.slug},
        "data": lambda w: {"duplicate": w.duplicate.slug, "confirm": "1"},
        "done": lambda w: not Actor.objects.filter(pk=w.duplicate.pk).exists(),
    },
    "network:tie_create": {
        "kwargs": lambda w: {"slug": w.record.slug},
        "data": lambda w: {"target": w.partner.slug, "kind": TieKind.FUNDING, "public": "on"},
        "done": lambda w: Tie.objects.filter(source=w.record, target=w.partner, kind=TieKind.FUNDING).exists(),
    },
    "network:tie_delete": {
        "kwargs": lambda w: {"pk": w.tie.pk},
        "data": lambda w: {"actor": w.record.slug},
        "done": lambda w: not Tie.objects.filter(pk=w.tie.pk).exists(),
    },
}


def _world(*, published: bool, coordinator, city_staff, department):
    """A record (a unit below department `own`), its neighbours, and one user per role."""
    own = DepartmentFactory(name="Referat Internationales", published=True)
    record = DepartmentFactory(name=RECORD_NAME, parent=own, published=published)
    partner = ActorFactory(name="Partnerverein", published=True)
    duplicate = ActorFactory(name="Dublette des Fachbereichs", published=True)
    unrelated = ActorFactory(name="Fremder Verein", published=True)
    tie = TieFactory(source=record, target=partner, kind=TieKind.COOPERATION, public=True)
    editor_own = UserFactory(username="redaktion-eigen", role=Role.ACTOR_EDITOR)
    editor_own.edited_actors.add(record)
    editor_other = UserFactory(username="redaktion-fremd", role=Role.ACTOR_EDITOR)
    editor_other.edited_actors.add(unrelated)
    assert city_staff.department == department and department.pk not in (own.pk, record.pk)
    users = {
        "anonymous": None,
        "coordinator": coordinator,
        "city_staff": city_staff,
        "city_staff_own_department": UserFactory(username="referat", role=Role.CITY_STAFF, department=own),
        "editor_own": editor_own,
        "editor_other": editor_other,
    }
    return SimpleNamespace(record=record, partner=partner, duplicate=duplicate, tie=tie, users=users)


def db_state():
    """Every row a request could write, in a comparable form."""
    models = (
        Actor,
        Actor.themes.through,
        Actor.sdgs.through,
        ActorCountry,
        Change,
        Membership,
        Person,
        Tie,
        User.edited_actors.through,
    )
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_permission_matrix(client, coordinator, city_staff, department, url_name, method, role, published, outcome):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    matrix.check(
        client,
        world=w,
        user=w.users[role],
        url_name=url_name,
        method=method,
        outcome=outcome,
        spec=SPECS.get(url_name, {}),
        record_text=RECORD_NAME,
        db_state=db_state,
    )


def _named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from _named_urls(pattern, inner or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def _all_matrices() -> dict:
    """This MATRIX and those of the other domains (tests/test_matrix_<domain>.py, same format)."""
    rows = dict(MATRIX)
    for path in sorted(Path(__file__).parent.glob("test_matrix_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        overlap = rows.keys() & module.MATRIX.keys()
        assert not overlap, f"URLs with two matrix rows: {sorted(overlap)}"
        rows.update(module.MATRIX)
    return rows


def test_every_named_url_has_a_matrix_entry():
    names = {name for name in _named_urls() if not name.startswith("admin:")}
    rows = _all_matrices()
    assert names, "no URLs found"
    assert sorted(names - rows.keys()) == [], "URLs without a row in a MATRIX"
    assert sorted(rows.keys() - names) == [], "rows in a MATRIX for URLs that no longer exist"


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)


# --- admin ----------------------------------------------------------------------

# ModelAdmins that refuse a page even to coordinators, by design.
ADMIN_COORDINATOR_REFUSED = {
    ("actors", "sdg", "add"): 403,  # the 17 SDGs are seeded by a migration
    ("django_tasks_database", "dbtaskresult", "add"): 403,  # tasks are enqueued by the app only
    ("core", "scheduledrun", "add"): 403,  # written by the scheduler only
    ("changes", "change", "add"): 403,  # history rows are written by the services only, and read-only
    ("privacy", "erasurelogentry", "add"): 403,  # written by erasures only, read-only
    ("initiatives", "coveragerule", "add"): 403,  # one rule per check, seeded by a migration
}


def _admin_objects():
    """One row of every registered model, for the change pages."""
    actor = ActorFactory(name="Verein im Back Office")
    ThemeFactory(name_de="Klimaschutz", slug="klimaschutz")
    MembershipFactory(actor=actor, person=PersonFactory())
    TieFactory(source=actor, target=ActorFactory(name="Partner im Back Office"))
    ListingFactory(actor=actor, title="Angebot im Back Office")
    Group.objects.create(name="Gruppe")
    start = timezone.now()
    activity_create(user=None, data={"title": "Termin im Back Office", "start": start, "end": start})
    CalendarSource.objects.create(actor=actor, url="https://example.org/back-office.ics")
    ConsentText.objects.create(version="2026-01", valid_from=start.date(), text="Ich willige ein …")
    ErasureLogEntry.objects.create(person_id=10**9)
    ping.enqueue()
    scheduler.enqueue_due(schedule=(scheduler.Periodic("tests.tasks_for_tests.ping", "hour"),))
    assert SDG.objects.exists()


def _admin_cases():
    pages = [("admin:index", None, None)]
    for model in admin.site._registry:
        opts = model._meta
        for action in ("changelist", "add", "change"):
            pages.append((f"admin:{opts.app_label}_{opts.model_name}_{action}", model, action))
    for url_name, model, action in pages:
        for role in ("anonymous", "coordinator", "city_staff", "editor"):
            yield pytest.param(url_name, model, action, role, id=f"{url_name}-{role}")


@pytest.mark.parametrize(("url_name", "model", "action", "role"), list(_admin_cases()))
def test_admin_is_for_coordinators_only(client, coordinator, city_staff, editor_a, url_name, model, action, role):
    _admin_objects()
    user = {"anonymous": None, "coordinator": coordinator, "city_staff": city_staff, "editor": editor_a}[role]
    if user is not None:
        client.force_login(user)
    args = [model._default_manager.order_by("pk").first().pk] if action == "change" else None
    url = reverse(url_name, args=args)

    response = client.get(url)

    if role == "coordinator":
        key = (model._meta.app_label, model._meta.model_name, action) if model else None
        assert response.status_code == ADMIN_COORDINATOR_REFUSED.get(key, 200)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login") + "?next=")


def test_admin_ignores_django_flags_on_non_coordinators(client, city_staff):
    city_staff.is_staff = True
    city_staff.save()
    client.force_login(city_staff)
    response = client.get(reverse("admin:actors_actor_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- editors and coordinator-only fields ---------------------------------------------


@pytest.mark.parametrize("persona", ["editor_a", "editor_b"])
def test_editors_cannot_change_coordinator_only_fields_by_posting_them(client, request, department, persona):
    editor = request.getfixturevalue(persona)
    actor = editor.edited_actors.get()
    before = Actor.objects.filter(pk=actor.pk).values("published", "kind", "parent", "slug").get()
    client.force_login(editor)

    response = client.post(
        reverse("actors:edit", args=[actor.slug]),
        {
            "name": "Neuer Name",
            "level": actor.level,
            "country": "DE",
            "version": actor.version,
            "published": "" if actor.published else "on",
            "kind": ActorKind.SCHOOL,
            "parent": department.pk,
            "slug": "gekapert",
        },
    )

    assert response.status_code == 302
    actor.refresh_from_db()
    assert actor.name == "Neuer Name"
    assert Actor.objects.filter(pk=actor.pk).values("published", "kind", "parent", "slug").get() == before


def test_the_editors_form_has_no_coordinator_only_fields(client, editor_a, actor_a):
    client.force_login(editor_a)
    form = client.get(reverse("actors:edit", args=[actor_a.slug])).context["form"]
    assert not {"published", "kind", "parent", "slug"} & set(form.fields)
    assert "name" in form.fields


def test_city_staff_cannot_change_coordinator_only_fields_of_their_department(client, city_staff, department):
    client.force_login(city_staff)
    response = client.post(
        reverse("actors:edit", args=[department.slug]),
        {"name": "Referat Neu", "level": "local", "country": "DE", "version": department.version,
         "published": "", "kind": ActorKind.SCHOOL, "slug": "gekapert"},
    )  # fmt: skip
    assert response.status_code == 302
    department.refresh_from_db()
    assert (department.name, department.published, department.kind, department.slug) == (
        "Referat Neu",
        True,
        ActorKind.CITY_DEPARTMENT,
        "referat-nachhaltige-stadtentwicklung",
    )


# --- city staff and the department tree -----------------------------------------------


@pytest.fixture
def department_tree(department):
    """department → unit → subunit; a sibling department and the department's own parent."""
    parent = DepartmentFactory(name="Dezernat II")
    department.parent = parent
    department.save()
    unit = DepartmentFactory(name="Abteilung Eine Welt", parent=department)
    subunit = DepartmentFactory(name="Sachgebiet Partnerschaften", parent=unit, published=False)
    sibling = DepartmentFactory(name="Referat Kultur", parent=parent)
    return SimpleNamespace(parent=parent, department=department, unit=unit, subunit=subunit, sibling=sibling)


@pytest.mark.parametrize(
    ("which", "may_edit"),
    [("department", True), ("unit", True), ("subunit", True), ("parent", False), ("sibling", False)],
)
def test_city_staff_edit_their_department_and_the_units_below_only(
    client, city_staff, department_tree, which, may_edit
):
    actor = getattr(department_tree, which)
    client.force_login(city_staff)
    url = reverse("actors:edit", args=[actor.slug])

    assert client.get(url).status_code == (200 if may_edit else 403)
    response = client.post(url, {"name": "Umbenannt", "level": "local", "country": "DE", "version": actor.version})

    assert response.status_code == (302 if may_edit else 403)
    actor.refresh_from_db()
    assert (actor.name == "Umbenannt") is may_edit


def test_city_staff_without_department_edit_nothing(client, actor_a):
    staff = UserFactory(role=Role.CITY_STAFF, department=None)
    client.force_login(staff)
    assert client.get(reverse("actors:edit", args=[actor_a.slug])).status_code == 403


# --- what the public sees on a profile --------------------------------------------------


@pytest.fixture
def profile(actor_a, actor_b):
    """actor_a (published) with a contact person, internal notes, and ties of every visibility."""
    actor_a.internal_notes = "Streng vertraulich: Förderantrag abgelehnt."
    actor_a.save()
    MembershipFactory(actor=actor_a, person=PersonFactory(first_name="Hildegard", last_name="Geheimnisvoll"))
    public_partner = ActorFactory(name="Öffentlicher Partner", published=True)
    internal_partner = ActorFactory(name="Interner Partner", published=True)
    TieFactory(source=actor_a, target=public_partner, public=True, note="Notiz zur Kooperation")
    TieFactory(source=actor_a, target=internal_partner, public=False)
    TieFactory(source=actor_b, target=actor_a, public=True)  # actor_b is unpublished
    return SimpleNamespace(actor=actor_a, hidden_actor=actor_b)


SECRETS = ("Streng vertraulich", "Hildegard", "Geheimnisvoll", "Interner Partner", "Initiative Unveröffentlicht",
           "Notiz zur Kooperation")  # fmt: skip


@pytest.mark.parametrize("persona", ["anonymous", "editor_other"])
def test_outsiders_see_no_internal_data_on_a_profile(client, profile, persona):
    if persona == "editor_other":
        editor = UserFactory(role=Role.ACTOR_EDITOR)
        editor.edited_actors.add(ActorFactory(name="Ganz anderer Verein"))
        client.force_login(editor)
    html = client.get(profile.actor.get_absolute_url()).content.decode()
    assert "Öffentlicher Partner" in html
    for secret in SECRETS:
        assert secret not in html


@pytest.mark.parametrize("persona", ["coordinator", "city_staff", "editor_a"])
def test_insiders_see_notes_persons_and_all_ties(client, request, profile, persona):
    client.force_login(request.getfixturevalue(persona))
    html = client.get(profile.actor.get_absolute_url()).content.decode()
    for secret in ("Streng vertraulich", "Hildegard", "Geheimnisvoll", "Interner Partner", "Notiz zur Kooperation"):
        assert secret in html
    # The own editor sees ties between the own actor and published actors only.
    assert ("Initiative Unveröffentlicht" in html) is (persona != "editor_a")


def test_anonymous_never_gets_an_unpublished_profile_or_listing(client, actor_a, actor_b):
    assert client.get(actor_b.get_absolute_url()).status_code == 404
    for url, params in [
        (reverse("actors:directory"), {}),
        (reverse("actors:directory"), {"q": "Unveröffentlicht"}),
        (reverse("actors:autocomplete"), {"q": "Initiative"}),
        (reverse("pages:home"), {}),
    ]:
        assert actor_b.name not in client.get(url, params).content.decode()


def test_anonymous_does_not_learn_the_name_of_an_unpublished_parent(client, actor_a):
    parent = DepartmentFactory(name="Interne Stabsstelle", published=False)
    actor_a.parent = parent
    actor_a.save()
    html = client.get(actor_a.get_absolute_url()).content.decode()
    assert "Interne Stabsstelle" not in html


def test_anonymous_sees_no_unpublished_children(client, department):
    DepartmentFactory(name="Geheime Untereinheit", parent=department, published=False)
    DepartmentFactory(name="Offene Untereinheit", parent=department, published=True)
    html = client.get(department.get_absolute_url()).content.decode()
    assert "Offene Untereinheit" in html
    assert "Geheime Untereinheit" not in html


def test_the_tie_list_rerendered_by_htmx_keeps_internal_notes_for_internal_readers(client, coordinator, actor_a):
    TieFactory(source=actor_a, target=ActorFactory(name="Partner mit Notiz"), note="Nur für intern")
    client.force_login(coordinator)
    assert "Nur für intern" in client.get(actor_a.get_absolute_url()).content.decode()
    partner = ActorFactory(name="Neuer Partner")
    response = client.post(
        reverse("network:tie_create", args=[actor_a.slug]),
        {"target": partner.slug, "kind": TieKind.FUNDING, "public": "on"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Neuer Partner" in response.content.decode()
    assert "Nur für intern" in response.content.decode()
