"""The actor edit page when someone else saved meanwhile: a table of who changed which field from what
to what (in words, not stored keys), the user's input kept, the other's changes taken for untouched
fields, and the next save goes through. The browser test (tests/browser/test_edit_conflict.py) drives
the same page in Chromium."""

import pytest

from knotenpunkt.actors import services
from knotenpunkt.actors.models import Actor
from knotenpunkt.changes.models import Change
from tests.factories import ActorFactory, DepartmentFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def _form(actor, **changes):
    data = {
        "name": actor.name,
        "slug": actor.slug,
        "kind": actor.kind,
        "level": actor.level,
        "description": actor.description,
        "city": actor.city,
        "country": "DE",
        "contact_phone": actor.contact_phone,
        "internal_notes": actor.internal_notes,
        "version": actor.version,
    }
    if actor.published:
        data["published"] = "on"
    data.update(changes)
    return data


@pytest.fixture
def stale_form(coordinator):
    """A form loaded at version 1, after which the coordinator moved the actor and gave it a theme."""
    actor = ActorFactory(name="Agenda-Büro", kind="city_department", description="Alt.")
    loaded = _form(actor)
    services.actor_update(
        user=coordinator,
        actor=actor,
        data={
            "parent": DepartmentFactory(name="Referat Nachhaltigkeit"),
            "themes": [ThemeFactory(name_de="Fairer Handel", slug="fairer-handel")],
            "description": "Von der Koordination neu geschrieben.",
        },
        expected_version=1,
    )
    return actor, loaded


def test_the_conflict_table_names_who_changed_which_field_in_words(client, coordinator, city_staff, stale_form):
    actor, loaded = stale_form
    client.force_login(coordinator)

    response = client.post(f"/akteure/{actor.slug}/bearbeiten/", {**loaded, "contact_phone": "07141 1"})

    assert response.status_code == 409
    table = response.content.decode().split('class="conflict"')[1].split("</table>")[0]
    for text in ("koordination", "übergeordnete Einheit", "Referat Nachhaltigkeit", "Themen", "Fairer Handel"):
        assert text in table
    assert "Von der Koordination neu geschrieben." in table


def test_after_a_conflict_the_form_keeps_the_input_and_takes_the_other_changes(client, coordinator, stale_form):
    actor, loaded = stale_form
    client.force_login(coordinator)

    response = client.post(
        f"/akteure/{actor.slug}/bearbeiten/", {**loaded, "contact_phone": "07141 1", "description": "Meins."}
    )

    form = response.context["form"]
    assert form["contact_phone"].value() == "07141 1"
    assert form["description"].value() == "Meins."  # typed by this user: kept
    current = Actor.objects.get(pk=actor.pk)
    assert str(form["parent"].value()) == str(current.parent_id)  # untouched here: the stored value
    assert form["version"].value() == current.version

    again = client.post(f"/akteure/{actor.slug}/bearbeiten/", form.data)

    assert again.status_code == 302
    saved = Actor.objects.get(pk=actor.pk)
    assert (saved.contact_phone, saved.description, saved.parent_id) == ("07141 1", "Meins.", current.parent_id)
    assert list(saved.themes.values_list("slug", flat=True)) == ["fairer-handel"]


def test_rows_copied_from_the_old_history_read_as_they_were_stored(client, coordinator):
    actor = ActorFactory(name="Weltladen")
    Actor.objects.filter(pk=actor.pk).update(version=2)
    Change.objects.create(
        kind="actor.updated",
        record_type="actors.actor",
        record_id=actor.pk,
        version=2,
        data={"fields": {"themes": {"old": [], "new": ["Fairer Handel"]}, "parent": {"old": "", "new": "Referat"}}},
    )
    client.force_login(coordinator)

    response = client.post(f"/akteure/{actor.slug}/bearbeiten/", _form(actor, version=1, city="Tübingen"))

    assert response.status_code == 409
    table = response.content.decode().split('class="conflict"')[1].split("</table>")[0]
    assert "Fairer Handel" in table and "Referat" in table


def test_the_profile_history_tells_who_changed_what(client, coordinator, stale_form):
    actor, _ = stale_form
    client.force_login(coordinator)
    page = client.get(actor.get_absolute_url()).content.decode()
    assert "koordination hat" in page
    assert "Beschreibung" in page
