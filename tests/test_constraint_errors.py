"""A database rule broken through a form reads as a German sentence at the field it is about, never as
the rule's name at the top of the form; every rule of every model has such a sentence."""

import pytest
from django.apps import apps
from django.db import models

from tests.factories import ActorFactory
from tests.test_actor_edit_view import _form

pytestmark = pytest.mark.django_db


def _field_error(html: str, field: str) -> str:
    return html.split(f'id="id_{field}_error"')[1].split("</small>")[0]


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("latitude", "200", "Der Breitengrad liegt zwischen -90 und 90."),
        ("longitude", "-181", "Der Längengrad liegt zwischen -180 und 180."),
    ],
)
def test_a_coordinate_out_of_range_is_a_sentence_at_its_field(client, coordinator, field, value, sentence):
    actor = ActorFactory(name="Weltladen Ludwigsburg")
    client.force_login(coordinator)

    response = client.post(f"/akteure/{actor.slug}/bearbeiten/", _form(actor, **{field: value}))

    html = response.content.decode()
    assert sentence in _field_error(html, field)
    assert html.count(sentence) == 1
    assert "Bedingung" not in html
    actor.refresh_from_db()
    assert getattr(actor, field) is None


def test_a_new_actor_with_a_bad_latitude_is_not_created(client, coordinator):
    client.force_login(coordinator)
    data = _form(ActorFactory.build(name="Neuer Verein", slug="neuer-verein"), latitude="91")

    response = client.post("/akteure/neu/", data)

    assert "Der Breitengrad liegt zwischen -90 und 90." in _field_error(response.content.decode(), "latitude")
    assert not apps.get_model("actors", "Actor").objects.filter(slug="neuer-verein").exists()


def test_every_database_rule_has_a_german_sentence():
    plain = []
    for model in apps.get_models():
        if not model.__module__.startswith("knotenpunkt."):
            continue
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint | models.UniqueConstraint):
                continue
            if constraint.violation_error_message == constraint.default_violation_error_message:
                plain.append(constraint.name)
    assert plain == []


def test_a_rule_names_a_field_of_its_own_model_when_it_names_one():
    wrong = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        for constraint in model._meta.constraints:
            code = getattr(constraint, "violation_error_code", None)
            if code and code not in names:
                wrong.append(f"{model.__name__}.{constraint.name}: {code}")
    assert wrong == []
