"""Legal basis and consent proof, restriction (Art. 18), access export (Art. 15), retention, Art. 30, access log."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from knotenpunkt.actors import people
from knotenpunkt.actors.models import Person
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change, PersonalDataAccess
from knotenpunkt.interactions.forms import PICKERS
from knotenpunkt.interactions.models import Interaction
from knotenpunkt.privacy import retention
from knotenpunkt.privacy.models import ConsentText, RetentionCandidate, RetentionRule
from knotenpunkt.synergies.introductions import mail_address
from tests.factories import ActorFactory, InteractionFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules():
    """The default rules (a data migration adds them; recreated in case a transactional test flushed them)."""
    for kind, months in (("person_without_basis", 24), ("person_review_due", 0), ("interaction_old", 72)):
        RetentionRule.objects.get_or_create(kind=kind, defaults={"months": months})
    return {rule.kind: rule for rule in RetentionRule.objects.all()}


# --- legal basis and consent -------------------------------------------------------------------


def test_consent_is_recorded_with_its_proof_and_who_recorded_it(client, coordinator):
    person = PersonFactory()
    ConsentText.objects.create(version="2026-01", valid_from=dt.date(2026, 1, 1), text="Ich willige ein …")
    client.force_login(coordinator)
    response = client.post(
        f"/datenschutz/personen/{person.pk}/rechtsgrundlage/",
        {
            "purpose": "Einladungen zum Netzwerktreffen",
            "legal_basis": "consent",
            "consent_at": "2026-11-02",
            "consent_method": "form",
            "consent_text_version": "2026-01",
            "review_date": "2028-11-02",
            "version": 1,
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.legal_basis, person.consent_at, person.consent_method, person.consent_text_version) == (
        "consent",
        dt.date(2026, 11, 2),
        "form",
        "2026-01",
    )
    assert person.consent_recorded_by == coordinator
    change = Change.objects.get(kind=ChangeKind.PERSON_UPDATED)
    assert set(change.fields) >= {"legal_basis", "consent_at", "consent_method", "consent_recorded_by", "review_date"}


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ({"consent_method": "oral"}, "consent_at", "wann die Einwilligung erteilt wurde"),
        ({"consent_at": "2026-11-02"}, "consent_method", "wie die Einwilligung erteilt wurde"),
    ],
)
def test_consent_without_its_proof_is_refused_at_the_field(client, coordinator, posted, field, message):
    person = PersonFactory()
    client.force_login(coordinator)
    response = client.post(
        f"/datenschutz/personen/{person.pk}/rechtsgrundlage/", {"legal_basis": "consent", "version": 1, **posted}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    assert Person.objects.get(pk=person.pk).legal_basis == ""


def test_a_stale_legal_basis_form_is_refused_and_keeps_the_input(client, coordinator):
    person = PersonFactory()
    people.person_update(user=coordinator, person=person, data={"phone": "1"}, expected_version=1)
    client.force_login(coordinator)
    response = client.post(
        f"/datenschutz/personen/{person.pk}/rechtsgrundlage/",
        {"legal_basis": "public_task", "purpose": "Mein Zweck", "version": 1},
    )
    assert response.status_code == 422
    assert "gerade geändert" in response.content.decode()
    assert "Mein Zweck" in response.content.decode()
    assert Person.objects.get(pk=person.pk).legal_basis == ""


def test_switching_away_from_consent_clears_the_consent_proof(coordinator):
    person = people.person_create(
        user=coordinator,
        data={
            "last_name": "Beispiel",
            "legal_basis": "consent",
            "consent_at": dt.date(2026, 1, 5),
            "consent_method": "email",
        },
    )
    assert person.consent_recorded_by == coordinator
    person = people.person_update(
        user=coordinator,
        person=person,
        data={"legal_basis": "public_task", "consent_at": None, "consent_method": "", "consent_text_version": ""},
        expected_version=1,
    )
    assert (person.consent_at, person.consent_method, person.consent_recorded_by) == (None, "", None)


# --- restriction (Art. 18) ---------------------------------------------------------------------


def test_a_restricted_person_gets_no_mail_is_not_offered_and_their_contact_data_is_hidden(
    client, coordinator, city_staff
):
    actor = ActorFactory(name="Weltladen", contact_email="")
    membership = MembershipFactory(actor=actor, person=PersonFactory(email="erika@example.org", phone="07141 1"))
    person = membership.person
    assert mail_address(actor) == "erika@example.org"
    assert person in PICKERS["persons"].queryset(coordinator)

    people.person_restrict(user=coordinator, person=person, reason="bestreitet die Richtigkeit")

    assert mail_address(actor) == ""
    assert person not in PICKERS["persons"].queryset(coordinator)
    client.force_login(city_staff)
    page = client.get(actor.get_absolute_url()).content.decode()
    assert str(person) in page
    assert "Verarbeitung eingeschränkt" in page
    assert "erika@example.org" not in page and "07141 1" not in page
    assert not PersonalDataAccess.objects.exists()  # nothing private was shown
    assert Change.objects.filter(kind=ChangeKind.PERSON_RESTRICTED).count() == 1


def test_a_restriction_needs_a_reason_in_german(client, coordinator):
    person = PersonFactory()
    client.force_login(coordinator)
    response = client.post(f"/datenschutz/personen/{person.pk}/einschraenkung/", {"action": "restrict", "reason": ""})
    assert response.status_code == 422
    assert "Bitte den Grund der Einschränkung angeben." in response.content.decode()
    assert not Person.objects.get(pk=person.pk).restricted


def test_a_contact_keeps_a_restricted_person_it_already_names(client, coordinator):
    person = PersonFactory()
    contact = InteractionFactory(actors=[ActorFactory()])
    contact.persons.add(person)
    people.person_restrict(user=coordinator, person=person, reason="Widerspruch")
    client.force_login(coordinator)
    page = client.get(f"/kontakte/{contact.pk}/bearbeiten/").content.decode()
    assert f'value="{person.pk}"' in page


# --- access log -------------------------------------------------------------------------------


def test_reading_contact_data_on_a_profile_is_logged_and_shown_to_coordinators(client, coordinator, city_staff):
    membership = MembershipFactory(person=PersonFactory(email="erika@example.org"))
    client.force_login(city_staff)
    assert "erika@example.org" in client.get(membership.actor.get_absolute_url()).content.decode()
    entry = PersonalDataAccess.objects.get()
    assert (entry.user, entry.person_id) == (city_staff, membership.person_id)
    assert membership.actor.name in entry.where
    client.force_login(coordinator)
    page = client.get(f"/datenschutz/personen/{membership.person_id}/").content.decode()
    assert "Akteursprofil" in page and city_staff.get_username() in page
    assert str(membership.person) in client.get("/datenschutz/zugriffe/").content.decode()


# --- access export (Art. 15) -----------------------------------------------------------------


def test_the_export_holds_everything_about_the_person_and_is_recorded(client, coordinator):
    person = people.person_create(
        user=coordinator, data={"first_name": "Erika", "last_name": "Beispiel", "email": "erika@example.org"}
    )
    actor = ActorFactory(name="Weltladen")
    people.membership_create(user=coordinator, actor=actor, person=person, function="Kasse")
    contact = InteractionFactory(summary="Gespräch über das Sommerfest", actors=[actor])
    contact.persons.add(person)
    client.force_login(coordinator)

    response = client.get(f"/datenschutz/personen/{person.pk}/auskunft.json")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="auskunft-person-')
    data = json.loads(response.content)
    assert data["person"]["e_mail"] == "erika@example.org"
    assert data["mitgliedschaften"] == [{"akteur": "Weltladen", "funktion": "Kasse"}]
    assert [k["inhalt"] for k in data["kontakte"]] == ["Gespräch über das Sommerfest"]
    assert [v["was"] for v in data["verlauf"]] == [
        f"{coordinator.get_username()} hat die Person angelegt: Erika Beispiel.",
        f"{coordinator.get_username()} hat eine Mitgliedschaft eingetragen: Weltladen (Kasse).",
    ]
    assert Change.objects.filter(kind=ChangeKind.PERSON_EXPORTED, record_id=person.pk).count() == 1
    assert PersonalDataAccess.objects.filter(person_id=person.pk, where="Auskunft (Art. 15)").exists()

    page = client.get(f"/datenschutz/personen/{person.pk}/auskunft/").content.decode()
    assert "Auskunft nach Art. 15 DSGVO" in page and "Gespräch über das Sommerfest" in page


# --- retention -------------------------------------------------------------------------------


def test_the_nightly_check_lists_and_deletes_nothing(rules):
    long_ago = timezone.now() - dt.timedelta(days=800)
    stale = PersonFactory()
    Person.objects.filter(pk=stale.pk).update(created_at=long_ago)
    with_basis = PersonFactory(legal_basis="public_task")
    Person.objects.filter(pk=with_basis.pk).update(created_at=long_ago)
    recently_met = PersonFactory()
    Person.objects.filter(pk=recently_met.pk).update(created_at=long_ago)
    InteractionFactory(date=timezone.localdate()).persons.add(recently_met)
    review_due = PersonFactory(legal_basis="consent", consent_at=dt.date(2020, 1, 1), consent_method="written")
    Person.objects.filter(pk=review_due.pk).update(review_date=timezone.localdate() - dt.timedelta(days=1))
    old_contact = InteractionFactory(date=timezone.localdate() - dt.timedelta(days=7 * 365))

    run = retention.check()

    found = set(RetentionCandidate.objects.values_list("rule__kind", "record_id"))
    assert found == {
        ("person_without_basis", stale.pk),
        ("person_review_due", review_due.pk),
        ("interaction_old", old_contact.pk),
    }
    assert run.found == 3
    assert Person.objects.count() == 4 and Interaction.objects.filter(pk=old_contact.pk).exists()
    retention.check()  # a second night adds nothing twice
    assert RetentionCandidate.objects.count() == 3


def test_a_finding_no_longer_true_is_withdrawn(rules):
    person = PersonFactory()
    Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - dt.timedelta(days=800))
    retention.check()
    Person.objects.filter(pk=person.pk).update(legal_basis="public_task")
    retention.check()
    assert not RetentionCandidate.objects.exists()


def test_confirming_a_finding_erases_the_person_and_deletes_the_old_contact(client, coordinator, rules):
    person = PersonFactory(last_name="Quirinsky")
    Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - dt.timedelta(days=800))
    contact = InteractionFactory(date=timezone.localdate() - dt.timedelta(days=7 * 365), summary="Altes Gespräch")
    retention.check()
    ids = list(RetentionCandidate.objects.values_list("pk", flat=True))
    client.force_login(coordinator)
    assert "Quirinsky" in client.get("/datenschutz/aufbewahrung/").content.decode()

    response = client.post("/datenschutz/aufbewahrung/", {"candidates": ids, "decision": "deleted"})

    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).is_erased
    assert not Interaction.objects.filter(pk=contact.pk).exists()
    deleted = Change.objects.get(kind=ChangeKind.INTERACTION_ERASED)
    assert "Altes Gespräch" not in json.dumps(deleted.data)
    assert set(RetentionCandidate.objects.values_list("decision", flat=True)) == {"deleted"}
    # The same submit again does nothing twice.
    client.post("/datenschutz/aufbewahrung/", {"candidates": ids, "decision": "deleted"})
    assert Change.objects.filter(kind=ChangeKind.PERSON_ERASED).count() == 1


def test_keeping_a_review_finding_sets_a_new_review_date_and_is_not_proposed_again(coordinator, rules):
    person = PersonFactory(legal_basis="public_task")
    Person.objects.filter(pk=person.pk).update(review_date=timezone.localdate() - dt.timedelta(days=3))
    retention.check()
    candidate = RetentionCandidate.objects.get()
    retention.decide(user=coordinator, candidate_ids=[candidate.pk], decision="kept")
    person.refresh_from_db()
    assert person.review_date > timezone.localdate()
    assert Change.objects.filter(kind=ChangeKind.RETENTION_KEPT).count() == 1
    Person.objects.filter(pk=person.pk).update(review_date=timezone.localdate() - dt.timedelta(days=1))
    retention.check()
    assert RetentionCandidate.objects.filter(decision="").count() == 0


def test_deciding_without_a_choice_says_so_in_german(client, coordinator, rules):
    client.force_login(coordinator)
    response = client.post("/datenschutz/aufbewahrung/", {"decision": "deleted"}, follow=True)
    assert "Bitte mindestens einen Vorschlag auswählen" in response.content.decode()


# --- record of processing activities (Art. 30) ------------------------------------------------


def test_the_record_of_processing_follows_the_configuration(client, coordinator, rules, settings):
    settings.KNOTENPUNKT_PRIVACY = {"controller": "Stadt Musterstadt", "dpo": "datenschutz@musterstadt.example"}
    PersonFactory(legal_basis="public_task")
    RetentionRule.objects.filter(kind="interaction_old").update(months=48)
    client.force_login(coordinator)
    page = client.get("/datenschutz/verzeichnis/").content.decode()
    assert "Stadt Musterstadt" in page and "datenschutz@musterstadt.example" in page
    assert "öffentliche Aufgabe (Art. 6 Abs. 1 lit. e): 1 Personen" in page
    assert "Kontakte, die älter als 48 Monate sind: Löschvorschlag" in page
    assert "E-Mail (privat)" in page


@pytest.mark.parametrize(
    ("path", "data"),
    [("rechtsgrundlage", {"legal_basis": "public_task", "version": 1}), ("einschraenkung", {"reason": "x"})],
)
def test_a_form_from_before_the_erasure_says_so_and_changes_nothing(client, coordinator, path, data):
    from knotenpunkt.privacy.erasure import person_erase

    person = PersonFactory()
    person_erase(user=coordinator, person=person)
    before = Change.objects.count()
    client.force_login(coordinator)
    response = client.post(f"/datenschutz/personen/{person.pk}/{path}/", data, follow=True)
    assert "inzwischen gelöscht" in response.content.decode()
    assert Change.objects.count() == before
    assert Person.objects.get(pk=person.pk).legal_basis == ""
