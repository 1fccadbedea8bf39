"""The back office saves through the same services as the app."""

import pytest

from knotenpunkt.accounts.models import Role, User
from knotenpunkt.actors.models import Actor
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.initiatives.models import CoverageRule
from knotenpunkt.network.models import Tie
from knotenpunkt.privacy.models import ConsentText, RetentionRule
from tests.factories import ActorFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_tie_added_in_the_admin_counts_for_both_actors(client, coordinator):
    source, target = ActorFactory(), ActorFactory()
    client.force_login(coordinator)
    response = client.post(
        "/admin/network/tie/add/",
        {"source": source.pk, "target": target.pk, "kind": "cooperation", "note": "", "public": "on"},
    )
    assert response.status_code == 302
    assert Tie.objects.filter(source=source, target=target).exists()
    assert Actor.objects.get(pk=target.pk).tie_count == 1


def test_an_actor_edited_in_the_admin_gets_a_history_row(client, coordinator, actor_a):
    client.force_login(coordinator)
    page = client.get(f"/admin/actors/actor/{actor_a.pk}/change/")
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "name": actor_a.name,
            "slug": actor_a.slug,
            "kind": actor_a.kind,
            "level": actor_a.level,
            "description": "Im Back Office geändert.",
            "country": "DE",
            "expected_version": actor_a.version,
            "published": "on",
            "countries-TOTAL_FORMS": "0",
            "countries-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data.pop("parent", None)
    response = client.post(f"/admin/actors/actor/{actor_a.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    actor_a.refresh_from_db()
    assert actor_a.description == "Im Back Office geändert."
    [change] = Change.objects.for_record("actors.actor", actor_a.pk)
    assert (change.kind, change.user, list(change.fields)) == (ChangeKind.ACTOR_UPDATED, coordinator, ["description"])


def test_a_stale_admin_form_is_refused(client, coordinator, actor_a):
    client.force_login(coordinator)
    response = client.post(
        f"/admin/actors/actor/{actor_a.pk}/change/",
        {
            "name": "Überschrieben",
            "slug": actor_a.slug,
            "kind": actor_a.kind,
            "level": actor_a.level,
            "country": "DE",
            "expected_version": actor_a.version - 1,
            "countries-TOTAL_FORMS": "0",
            "countries-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "inzwischen geändert" in response.content.decode()
    actor_a.refresh_from_db()
    assert actor_a.name != "Überschrieben"


def test_a_country_added_in_the_admin_inline_is_searchable(client, coordinator, actor_a):
    from knotenpunkt.actors.search import search_actors

    client.force_login(coordinator)
    response = client.post(
        f"/admin/actors/actor/{actor_a.pk}/change/",
        {
            "name": actor_a.name,
            "slug": actor_a.slug,
            "kind": actor_a.kind,
            "level": actor_a.level,
            "description": actor_a.description,
            "country": "DE",
            "published": "on",
            "internal_notes": actor_a.internal_notes,
            "expected_version": actor_a.version,
            "countries-TOTAL_FORMS": "1",
            "countries-INITIAL_FORMS": "0",
            "countries-0-country": "BF",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert list(search_actors(Actor.objects.all(), "Burkina")) == [actor_a]


# --- accounts: roles and rights have a history ------------------------------------------------------


def _user_form(target, **changes):
    data = {
        "username": target.username,
        "first_name": target.first_name,
        "last_name": target.last_name,
        "email": target.email,
        "role": target.role,
        "department": target.department_id or "",
        "edited_actors": [a.pk for a in target.edited_actors.all()],
        "is_active": "on" if target.is_active else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value not in ("", None)}


def test_a_role_changed_in_the_admin_is_recorded_for_the_coordination(client, coordinator, actor_a, department):
    target = UserFactory(username="neu", role=Role.ACTOR_EDITOR)
    target.edited_actors.add(actor_a)
    password = target.password
    client.force_login(coordinator)

    response = client.post(
        f"/admin/accounts/user/{target.pk}/change/",
        _user_form(target, role=Role.CITY_STAFF, department=department.pk, edited_actors=[]),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    target.refresh_from_db()
    assert (target.role, target.department, list(target.edited_actors.all())) == (Role.CITY_STAFF, department, [])
    assert target.password == password  # Django's business, untouched
    change = Change.objects.get(record_type="accounts.user", record_id=target.pk)
    assert (change.kind, change.user, change.audience) == (
        ChangeKind.USER_ROLE_CHANGED,
        coordinator,
        Audience.COORDINATION,
    )
    assert change.fields == {
        "role": {"old": "actor_editor", "new": "city_staff"},
        "department": {"old": None, "new": department.pk},
        "edited_actors": {"old": [actor_a.pk], "new": []},
    }
    assert set(change.subjects.values_list("kind", "subject_id")) == {("actor", actor_a.pk), ("actor", department.pk)}
    assert "password" not in str(change.data)


def test_deactivating_an_account_is_a_change_of_its_rights_and_renaming_is_not(client, coordinator):
    target = UserFactory(username="alt")
    client.force_login(coordinator)
    url = f"/admin/accounts/user/{target.pk}/change/"

    assert client.post(url, _user_form(target, first_name="Erika")).status_code == 302
    target.refresh_from_db()
    assert client.post(url, _user_form(target, is_active="")).status_code == 302
    assert client.post(url, _user_form(target, is_active="")).status_code == 302  # nothing changed: no row

    history = Change.objects.filter(record_type="accounts.user", record_id=target.pk).order_by("id")
    assert [(c.kind, c.fields) for c in history] == [
        (ChangeKind.USER_UPDATED, {"first_name": {"old": "", "new": "Erika"}}),
        (ChangeKind.USER_ROLE_CHANGED, {"is_active": {"old": True, "new": False}}),
    ]


def test_an_account_created_in_the_admin_is_recorded_without_its_password(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "neue-kollegin",
            "usable_password": "true",
            "password1": "Lang-genug-2026!",
            "password2": "Lang-genug-2026!",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    created = User.objects.get(username="neue-kollegin")
    assert created.check_password("Lang-genug-2026!")
    change = Change.objects.get(record_type="accounts.user", record_id=created.pk)
    assert (change.kind, change.user) == (ChangeKind.USER_CREATED, coordinator)
    assert change.data["values"]["username"] == "neue-kollegin" and change.data["values"]["role"] == "actor_editor"
    assert "Lang-genug" not in str(change.data) and created.password not in str(change.data)


def test_accounts_are_deactivated_not_deleted_in_the_admin(client, coordinator):
    target = UserFactory(username="bleibt")
    client.force_login(coordinator)
    response = client.post(f"/admin/accounts/user/{target.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=target.pk).exists()


# --- network and calendars: saved, deleted and bulk-deleted through the services ---------------------


def _tie_form(tie, **changes):
    data = {"kind": tie.kind, "note": tie.note, "public": "on" if tie.public else "", "expected_version": tie.version}
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_a_tie_changed_in_the_admin_is_recorded_with_its_new_version(client, coordinator):
    from tests.factories import TieFactory

    tie = TieFactory(note="alt")
    client.force_login(coordinator)
    response = client.post(f"/admin/network/tie/{tie.pk}/change/", _tie_form(tie, note="neu"))
    assert response.status_code == 302
    change = Change.objects.get(kind=ChangeKind.TIE_UPDATED)
    assert (change.user, change.fields, change.version) == (coordinator, {"note": {"old": "alt", "new": "neu"}}, 2)


def test_a_stale_tie_form_in_the_admin_is_refused(client, coordinator):
    from tests.factories import TieFactory

    tie = TieFactory(note="alt")
    client.force_login(coordinator)
    response = client.post(f"/admin/network/tie/{tie.pk}/change/", _tie_form(tie, note="neu", expected_version=0))
    assert response.status_code == 200
    assert "Jemand anderes hat diese Beziehung inzwischen geändert" in response.content.decode()
    assert Tie.objects.get().note == "alt"
    assert not Change.objects.exists()


def test_ties_bulk_deleted_in_the_admin_leave_the_partners_counts_right(client, coordinator):
    from knotenpunkt.network import services as tie_services

    hub = ActorFactory()
    ties = [
        tie_services.tie_create(user=coordinator, source=hub, target=ActorFactory(), kind="cooperation")
        for _ in range(2)
    ]
    client.force_login(coordinator)
    response = client.post(
        "/admin/network/tie/",
        {"action": "delete_selected", "_selected_action": [t.pk for t in ties], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Tie.objects.exists()
    assert Actor.objects.get(pk=hub.pk).tie_count == 0
    assert Change.objects.filter(kind=ChangeKind.TIE_DELETED).count() == 2


def test_a_calendar_added_in_the_admin_is_recorded_and_fetched_after_the_commit(
    client, coordinator, actor_a, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from knotenpunkt.activities.models import CalendarSource

    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/activities/calendarsource/add/",
            {"actor": actor_a.pk, "url": "https://example.org/verein.ics", "public": "on", "active": "on"},
        )
    assert response.status_code == 302
    source = CalendarSource.objects.get()
    assert Change.objects.get().kind == ChangeKind.CALENDAR_SOURCE_CREATED
    queued = DBTaskResult.objects.filter(task_path="knotenpunkt.activities.tasks.refresh_calendar_source")
    assert [r.args_kwargs["args"] for r in queued] == [[source.pk]]

    response = client.post(
        f"/admin/activities/calendarsource/{source.pk}/change/",
        {"url": source.url, "name": "Vereinskalender", "public": "on"},
    )
    assert response.status_code == 302
    assert Change.objects.get(kind=ChangeKind.CALENDAR_SOURCE_UPDATED).fields == {
        "name": {"old": "", "new": "Vereinskalender"},
        "active": {"old": True, "new": False},
    }

    response = client.post(f"/admin/activities/calendarsource/{source.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarSource.objects.exists()
    assert Change.objects.filter(kind=ChangeKind.CALENDAR_SOURCE_DELETED).count() == 1


def test_a_retention_rule_changed_in_the_admin_list_is_recorded_and_cannot_be_deleted(client, coordinator):
    rule = RetentionRule.objects.get(kind="interaction_old")
    months = rule.months
    client.force_login(coordinator)
    rules = list(RetentionRule.objects.all())  # in the admin list's order
    form = {"form-TOTAL_FORMS": len(rules), "form-INITIAL_FORMS": len(rules), "_save": "Sichern"}
    for number, each in enumerate(rules):
        form.update(
            {
                f"form-{number}-id": each.pk,
                f"form-{number}-months": months + 12 if each == rule else each.months,
                f"form-{number}-active": "on" if each.active else "",
            }
        )

    response = client.post("/admin/privacy/retentionrule/", form)

    assert response.status_code == 302
    change = Change.objects.get(record_type="privacy.retentionrule")
    assert (change.kind, change.user, change.audience, change.record_id) == (
        ChangeKind.RETENTION_RULE_SAVED,
        coordinator,
        Audience.COORDINATION,
        rule.pk,
    )
    assert change.fields == {"months": {"old": months, "new": months + 12}}
    feed = client.get("/aenderungen/").content.decode()
    assert "eine Aufbewahrungsregel gespeichert" in feed
    assert client.post(f"/admin/privacy/retentionrule/{rule.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RetentionRule.objects.filter(pk=rule.pk).exists()


def test_a_consent_text_added_in_the_admin_is_recorded_with_its_wording(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        "/admin/privacy/consenttext/add/",
        {"version": "2027-01", "valid_from": "2027-01-01", "text": "Ich willige ein, dass …"},
    )

    assert response.status_code == 302
    text = ConsentText.objects.get(version="2027-01")
    change = Change.objects.get(record_type="privacy.consenttext", record_id=text.pk)
    assert (change.kind, change.audience) == (ChangeKind.CONSENT_TEXT_SAVED, Audience.COORDINATION)
    wording = {"version": "2027-01", "valid_from": "2027-01-01", "text": "Ich willige ein, dass …"}
    assert change.data["values"] == wording


def test_a_coverage_check_switched_off_in_the_admin_is_recorded(client, coordinator):
    rule = CoverageRule.objects.get(kind="diaspora")
    client.force_login(coordinator)

    response = client.post(f"/admin/initiatives/coveragerule/{rule.pk}/change/", {"themes": []})

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.active is False
    change = Change.objects.get(record_type="initiatives.coveragerule")
    assert (change.kind, change.audience) == (ChangeKind.COVERAGE_RULE_SAVED, Audience.COORDINATION)
    assert change.fields == {"active": {"old": True, "new": False}}
