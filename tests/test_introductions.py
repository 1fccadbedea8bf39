"""Introductions (Vermittlung): each step, its order and guards, and the pages around them."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from knotenpunkt.accounts.models import Role
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change
from knotenpunkt.interactions.models import Interaction
from knotenpunkt.network.models import Tie, TieKind
from knotenpunkt.synergies import introductions as services
from knotenpunkt.synergies.models import (
    Introduction,
    IntroductionMail,
    IntroductionStatus,
    Suggestion,
)
from tests.factories import ActorFactory, MembershipFactory, PersonFactory, TieFactory, UserFactory

pytestmark = pytest.mark.django_db

SEND_TASK = "knotenpunkt.synergies.tasks.send_introduction_mails"


@pytest.fixture
def coordinator(db):
    return UserFactory(
        username="koordination",
        role=Role.COORDINATOR,
        first_name="Erika",
        last_name="Beispiel",
        email="erika.beispiel@ludwigsburg.example",
    )


@pytest.fixture
def weltladen(db):
    return ActorFactory(name="Weltladen Ludwigsburg", contact_email="info@weltladen.example", published=True)


@pytest.fixture
def foerderkreis(db):
    """No public address, but a contact person with one."""
    actor = ActorFactory(name="Förderkreis Burkina Faso e.V.", contact_email="", published=True)
    MembershipFactory(actor=actor, person=PersonFactory(first_name="Max", last_name="Muster", email="max@example.org"))
    return actor


@pytest.fixture
def silent(db):
    """Neither a public address nor a contact person with one."""
    actor = ActorFactory(name="Initiative ohne Adresse", contact_email="", published=True)
    MembershipFactory(actor=actor, person=PersonFactory(email=""))
    return actor


def propose(user, actor, partner, **kwargs):
    return services.introduction_propose(user=user, actor=actor, partner=partner, **kwargs)


def send(user, introduction, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.introduction_send(user=user, introduction=introduction, expected_version=introduction.version)


def reload(introduction):
    return Introduction.objects.get(pk=introduction.pk)


def steps(introduction) -> list[Change]:
    """The introduction's history: its change rows, oldest first."""
    return list(Change.objects.for_record("synergies.introduction", introduction.pk).order_by("id"))


# --- proposing ------------------------------------------------------------------------------


def test_proposing_stores_the_pair_in_order_with_the_suggestions_reasons(coordinator, weltladen, foerderkreis):
    reasons = [{"code": "shared", "themes": [], "sdgs": [13], "countries": [], "public": True}]
    Suggestion.objects.create(
        actor=foerderkreis, partner=weltladen, rank=1, score=0.8, reasons=reasons, computed_at=timezone.now()
    )
    high, low = sorted([weltladen, foerderkreis], key=lambda a: -a.pk)

    introduction = propose(coordinator, high, low, note="Fairer Kaffee aus Burkina Faso")

    assert (introduction.actor_a_id, introduction.actor_b_id) == (low.pk, high.pk)
    assert introduction.status == IntroductionStatus.PROPOSED
    assert introduction.reasons == reasons
    assert introduction.note == "Fairer Kaffee aus Burkina Faso"
    assert [(c.kind, c.user_id) for c in steps(introduction)] == [(ChangeKind.INTRODUCTION_PROPOSED, coordinator.pk)]


def test_an_actor_cannot_be_introduced_to_itself(coordinator, weltladen):
    with pytest.raises(ValidationError, match="nicht mit sich selbst"):
        propose(coordinator, weltladen, weltladen)
    assert not Introduction.objects.exists()


def test_a_pair_with_an_introduction_is_refused_naming_its_state(
    coordinator, weltladen, foerderkreis, django_capture_on_commit_callbacks
):
    send(coordinator, propose(coordinator, weltladen, foerderkreis), django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError, match="gibt es schon eine Vermittlung \\(Stand: bekannt gemacht\\)"):
        propose(coordinator, foerderkreis, weltladen)
    assert Introduction.objects.count() == 1


def test_a_pair_already_tied_is_refused_but_an_ended_tie_does_not_count(coordinator, weltladen, foerderkreis, silent):
    TieFactory(source=foerderkreis, target=weltladen, kind=TieKind.MEMBERSHIP)
    TieFactory(
        source=silent,
        target=weltladen,
        kind=TieKind.COOPERATION,
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2020, 12, 31),
    )

    with pytest.raises(ValidationError, match="schon verbunden \\(Mitgliedschaft\\)"):
        propose(coordinator, weltladen, foerderkreis)
    assert propose(coordinator, weltladen, silent).status == IntroductionStatus.PROPOSED


@pytest.mark.parametrize("role", [Role.CITY_STAFF, Role.ACTOR_EDITOR])
def test_only_the_coordination_proposes(role, weltladen, foerderkreis):
    user = UserFactory(role=role)
    user.edited_actors.add(weltladen)
    with pytest.raises(PermissionDenied):
        propose(user, weltladen, foerderkreis)


# --- sending ---------------------------------------------------------------------------------


def test_sending_queues_one_mail_per_side_and_the_sending_task_after_commit(
    coordinator, weltladen, foerderkreis, django_capture_on_commit_callbacks
):
    introduction = propose(coordinator, weltladen, foerderkreis, note="Fairer Kaffee aus Burkina Faso")

    introduction = send(coordinator, introduction, django_capture_on_commit_callbacks)

    assert introduction.status == IntroductionStatus.INTRODUCED
    assert introduction.introduced_at is not None
    mails = {m.actor_id: m for m in IntroductionMail.objects.filter(introduction=introduction)}
    assert mails[weltladen.pk].recipient == "info@weltladen.example"
    assert mails[foerderkreis.pk].recipient == "max@example.org"  # the contact person's address
    assert {m.status for m in mails.values()} == {"queued"}
    assert {m.reply_to for m in mails.values()} == {"erika.beispiel@ludwigsburg.example"}
    to_weltladen = mails[weltladen.pk].body
    assert "Weltladen Ludwigsburg mit Förderkreis Burkina Faso e.V. bekannt machen" in to_weltladen
    assert "Fairer Kaffee aus Burkina Faso" in to_weltladen
    assert "Erika Beispiel, erika.beispiel@ludwigsburg.example" in to_weltladen
    assert DBTaskResult.objects.filter(task_path=SEND_TASK).count() == 1


def test_nothing_is_queued_before_the_transaction_commits(
    coordinator, weltladen, foerderkreis, django_capture_on_commit_callbacks
):
    introduction = propose(coordinator, weltladen, foerderkreis)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.introduction_send(user=coordinator, introduction=introduction, expected_version=introduction.version)
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1


def test_a_side_without_address_is_explained_and_nothing_is_sent_or_queued(
    coordinator, weltladen, silent, django_capture_on_commit_callbacks
):
    introduction = propose(coordinator, weltladen, silent)

    with pytest.raises(ValidationError) as error:
        send(coordinator, introduction, django_capture_on_commit_callbacks)

    message = " ".join(error.value.messages)
    assert "Für „Initiative ohne Adresse“ ist keine E-Mail-Adresse hinterlegt" in message
    assert "Kontaktperson" in message and "Es wurde nichts verschickt" in message
    assert "Weltladen" not in message
    after = reload(introduction)
    assert (after.status, after.version, after.introduced_at) == ("proposed", introduction.version, None)
    assert not IntroductionMail.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert [c.kind for c in steps(after)] == [ChangeKind.INTRODUCTION_PROPOSED]


def test_mails_leave_out_internal_reasons(coordinator, weltladen, foerderkreis, django_capture_on_commit_callbacks):
    reasons = [
        {"code": "shared", "themes": [], "sdgs": [13], "countries": [], "public": True},
        {
            "code": "common_partners",
            "count": 3,
            "examples": [],
            "public_count": 0,
            "public_examples": [],
            "public": False,
        },
    ]
    introduction = propose(coordinator, weltladen, foerderkreis, reasons=reasons)
    send(coordinator, introduction, django_capture_on_commit_callbacks)

    body = IntroductionMail.objects.filter(actor=weltladen).get().body
    assert "beide arbeiten zu SDG 13" in body
    assert "gemeinsame Partner" not in body


# --- the order of the steps and the version ------------------------------------------------------


@pytest.fixture
def introduced(coordinator, weltladen, foerderkreis, django_capture_on_commit_callbacks):
    return send(coordinator, propose(coordinator, weltladen, foerderkreis), django_capture_on_commit_callbacks)


def mark_met(user, introduction, **kwargs):
    kwargs.setdefault("date", timezone.localdate())
    kwargs.setdefault("summary", "Erstes Treffen im Weltladen")
    kwargs.setdefault("expected_version", introduction.version)
    return services.introduction_mark_met(user=user, introduction=introduction, **kwargs)


def test_meeting_logs_a_contact_with_both_actors_and_links_it(coordinator, introduced, weltladen, foerderkreis):
    met = mark_met(coordinator, introduced, date=dt.date(2026, 11, 3), summary="Kaffee und Kongoussi")

    assert met.status == IntroductionStatus.MET
    interaction = Interaction.objects.get(pk=met.interaction_id)
    assert set(interaction.actors.all()) == {weltladen, foerderkreis}
    assert (interaction.date, interaction.summary, interaction.channel) == (
        dt.date(2026, 11, 3),
        "Kaffee und Kongoussi",
        "meeting",
    )


def test_cooperating_creates_a_declared_cooperation_tie_and_links_it(coordinator, introduced, weltladen, foerderkreis):
    met = mark_met(coordinator, introduced)

    done = services.introduction_mark_cooperating(user=coordinator, introduction=met, expected_version=met.version)

    assert done.status == IntroductionStatus.COOPERATING and done.cooperating_at is not None
    tie = Tie.objects.get(pk=done.tie_id)
    assert {tie.source, tie.target} == {weltladen, foerderkreis}
    assert tie.kind == TieKind.COOPERATION
    assert tie.end_date is None


def test_cooperating_links_an_existing_cooperation_tie_instead_of_a_second(
    coordinator, introduced, weltladen, foerderkreis
):
    met = mark_met(coordinator, introduced)
    existing = TieFactory(source=foerderkreis, target=weltladen, kind=TieKind.COOPERATION)

    done = services.introduction_mark_cooperating(user=coordinator, introduction=met, expected_version=met.version)

    assert done.tie_id == existing.pk
    assert Tie.objects.filter(kind=TieKind.COOPERATION).count() == 1


def test_met_needs_a_summary_and_a_date_not_in_the_future(coordinator, introduced):
    with pytest.raises(ValidationError, match="worum es beim Treffen ging"):
        mark_met(coordinator, introduced, summary="  ")
    with pytest.raises(ValidationError, match="Zukunft"):
        mark_met(coordinator, introduced, date=timezone.localdate() + dt.timedelta(days=1))
    assert reload(introduced).status == IntroductionStatus.INTRODUCED
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("status", "step", "message"),
    [
        ("proposed", "met", "Als Nächstes kommt „bekannt gemacht“"),
        ("proposed", "cooperating", "Als Nächstes kommt „bekannt gemacht“"),
        ("introduced", "introduced", "Als Nächstes kommt „getroffen“"),
        ("introduced", "cooperating", "Als Nächstes kommt „getroffen“"),
        ("met", "introduced", "Als Nächstes kommt „kooperieren“"),
        ("declined", "declined", "ist abgeschlossen \\(abgelehnt\\)"),
        ("declined", "introduced", "ist abgeschlossen"),
        ("cooperating", "declined", "ist abgeschlossen \\(kooperieren\\)"),
    ],
)
def test_a_step_out_of_order_is_refused_and_changes_nothing(
    coordinator, weltladen, foerderkreis, status, step, message
):
    introduction = Introduction.objects.create(
        actor_a=min(weltladen, foerderkreis, key=lambda a: a.pk),
        actor_b=max(weltladen, foerderkreis, key=lambda a: a.pk),
        status=status,
    )
    calls = {
        "introduced": lambda: services.introduction_send(user=coordinator, introduction=introduction),
        "met": lambda: mark_met(coordinator, introduction),
        "cooperating": lambda: services.introduction_mark_cooperating(user=coordinator, introduction=introduction),
        "declined": lambda: services.introduction_decline(user=coordinator, introduction=introduction, reason="x"),
    }
    with pytest.raises(ValidationError, match=message):
        calls[step]()
    after = reload(introduction)
    assert (after.status, after.version) == (status, 1)
    assert not IntroductionMail.objects.exists() and not Interaction.objects.exists() and not Tie.objects.exists()


@pytest.mark.parametrize("status", ["proposed", "introduced", "met"])
def test_declining_is_possible_from_every_open_step(coordinator, weltladen, foerderkreis, status):
    introduction = Introduction.objects.create(
        actor_a=min(weltladen, foerderkreis, key=lambda a: a.pk),
        actor_b=max(weltladen, foerderkreis, key=lambda a: a.pk),
        status=status,
    )

    declined = services.introduction_decline(
        user=coordinator, introduction=introduction, reason="Kein Bedarf", expected_version=1
    )

    assert declined.status == IntroductionStatus.DECLINED and declined.declined_at is not None
    declined_change = Change.objects.get(record_id=introduction.pk, kind=ChangeKind.INTRODUCTION_DECLINED)
    assert declined_change.data["reason"] == "Kein Bedarf"
    assert declined_change.fields["status"] == {"old": status, "new": "declined"}


def test_a_step_on_a_stale_version_is_refused(coordinator, introduced):
    stale = introduced.version
    services.introduction_decline(user=coordinator, introduction=introduced, expected_version=stale)

    with pytest.raises(EditConflict) as conflict:
        mark_met(coordinator, introduced, expected_version=stale)
    assert conflict.value.record.status == IntroductionStatus.DECLINED
    assert [c.kind for c in conflict.value.changes] == [ChangeKind.INTRODUCTION_DECLINED]
    assert conflict.value.changes[0].user == coordinator
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("role", [Role.CITY_STAFF, Role.ACTOR_EDITOR])
def test_only_the_coordination_takes_steps(role, introduced, weltladen):
    user = UserFactory(role=role)
    user.edited_actors.add(weltladen)
    with pytest.raises(PermissionDenied):
        services.introduction_decline(user=user, introduction=introduced)
    assert reload(introduced).status == IntroductionStatus.INTRODUCED


# --- what the engine leaves out -------------------------------------------------------------------


def test_declined_and_cooperating_pairs_are_excluded_from_suggestions_open_ones_not(coordinator):
    a, b, c, d, e = (ActorFactory(contact_email=f"{n}@example.org") for n in "abcde")
    declined = propose(coordinator, b, a)
    services.introduction_decline(user=coordinator, introduction=declined)
    Introduction.objects.create(actor_a=c, actor_b=d, status=IntroductionStatus.COOPERATING)
    propose(coordinator, a, e)  # still open

    assert services.excluded_pairs() == {(a.pk, b.pk), (c.pk, d.pk)}
    assert services.excluded_pairs(actor_ids=[d.pk]) == {(c.pk, d.pk)}


# --- an actor asks the office -----------------------------------------------------------------------


def test_an_actor_editor_asks_for_an_introduction_which_waits_on_the_dashboard(
    client, coordinator, weltladen, foerderkreis
):
    editor = UserFactory(username="weltladen-redaktion", role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(weltladen)
    client.force_login(editor)

    response = client.post(
        reverse("synergies:introduction_request", args=[weltladen.slug, foerderkreis.slug]),
        {"note": "Wir suchen fairen Kaffee aus Burkina Faso."},
    )

    introduction = Introduction.objects.get()
    assert response.status_code == 302 and response["Location"] == introduction.get_absolute_url()
    assert introduction.requested_by == weltladen and introduction.status == IntroductionStatus.PROPOSED
    assert introduction.note == "Wir suchen fairen Kaffee aus Burkina Faso."
    assert [(c.kind, c.user_id) for c in steps(introduction)] == [(ChangeKind.INTRODUCTION_REQUESTED, editor.pk)]
    client.force_login(coordinator)
    page = client.get(reverse("synergies:introductions")).content.decode()
    requests_section = page.split('id="requests-heading"')[1].split('id="open-heading"')[0]
    assert "Weltladen Ludwigsburg" in requests_section and "angefragt von Weltladen Ludwigsburg" in requests_section


def test_an_editor_cannot_ask_on_behalf_of_someone_elses_actor(weltladen, foerderkreis):
    editor = UserFactory(role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(weltladen)
    with pytest.raises(PermissionDenied):
        services.introduction_request(user=editor, actor=foerderkreis, partner=weltladen)
    assert not Introduction.objects.exists()


# --- pages ---------------------------------------------------------------------------------------------


def test_the_coordinator_proposes_from_a_suggestion_and_gets_the_state_back_by_htmx(
    client, coordinator, weltladen, foerderkreis
):
    client.force_login(coordinator)
    response = client.post(
        reverse("synergies:introduction_create"),
        {"actor": weltladen.pk, "partner": foerderkreis.pk, "note": "Kaffee"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Vermittlung: vorgeschlagen" in response.content.decode()
    assert Introduction.objects.get().note == "Kaffee"

    again = client.post(
        reverse("synergies:introduction_create"),
        {"actor": foerderkreis.pk, "partner": weltladen.pk},
        headers={"HX-Request": "true"},
    )
    assert "gibt es schon eine Vermittlung (Stand: vorgeschlagen)" in again.content.decode()
    assert Introduction.objects.count() == 1


def test_sending_to_an_actor_without_address_shows_what_is_missing(client, coordinator, weltladen, silent):
    introduction = propose(coordinator, weltladen, silent)
    client.force_login(coordinator)

    response = client.post(
        reverse("synergies:introduction_advance", args=[introduction.pk]), {"step": "introduced", "version": 1}
    )

    assert response.status_code == 200
    assert "Für „Initiative ohne Adresse“ ist keine E-Mail-Adresse hinterlegt" in response.content.decode()
    assert reload(introduction).status == IntroductionStatus.PROPOSED
    assert not IntroductionMail.objects.exists() and not DBTaskResult.objects.exists()


def test_marking_met_on_the_page_without_a_summary_keeps_the_form_with_its_error(client, coordinator, introduced):
    client.force_login(coordinator)
    response = client.post(
        reverse("synergies:introduction_advance", args=[introduced.pk]),
        {"step": "met", "version": introduced.version, "date": "2026-11-02", "summary": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Bitte kurz festhalten, worum es beim Treffen ging." in response.content.decode()
    assert reload(introduced).status == IntroductionStatus.INTRODUCED


def test_a_stale_page_gets_409_and_the_current_state(client, coordinator, introduced):
    services.introduction_decline(user=coordinator, introduction=introduced)
    client.force_login(coordinator)

    response = client.post(
        reverse("synergies:introduction_advance", args=[introduced.pk]),
        {"step": "met", "version": introduced.version, "date": "2026-11-02", "summary": "Treffen"},
    )

    assert response.status_code == 409
    assert "inzwischen von jemand anderem geändert (jetzt: abgelehnt)" in response.content.decode()
    assert not Interaction.objects.exists()


def test_the_detail_page_shows_the_mails_and_the_next_steps(client, coordinator, introduced):
    client.force_login(coordinator)
    page = client.get(introduced.get_absolute_url()).content.decode()
    assert "info@weltladen.example" in page and "max@example.org" in page
    assert 'name="step" value="met"' in page and 'name="step" value="declined"' in page
    assert 'name="step" value="cooperating"' not in page


def test_an_actor_editor_sees_their_own_mail_but_not_the_other_sides_address_nor_buttons(client, introduced, weltladen):
    editor = UserFactory(role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(weltladen)
    client.force_login(editor)
    page = client.get(introduced.get_absolute_url()).content.decode()
    assert "info@weltladen.example" in page
    assert "max@example.org" not in page
    assert 'name="step"' not in page


def test_the_dashboard_counts_how_far_introductions_got(client, coordinator):
    actors = [ActorFactory() for _ in range(8)]
    for (a, b), status, stamps in [
        ((0, 1), "proposed", {}),
        ((2, 3), "introduced", {"introduced_at": timezone.now()}),
        ((4, 5), "cooperating", {"introduced_at": timezone.now(), "met_at": timezone.now()}),
        ((6, 7), "declined", {"introduced_at": timezone.now()}),
    ]:
        Introduction.objects.create(actor_a=actors[a], actor_b=actors[b], status=status, **stamps)

    assert [(row["status"], row["count"], row["percent"]) for row in services.conversion()] == [
        ("proposed", 4, 100),
        ("introduced", 3, 75),
        ("met", 1, 25),
        ("cooperating", 1, 25),
        ("declined", 1, 25),
    ]
    client.force_login(coordinator)
    page = client.get(reverse("synergies:introductions")).content.decode()
    assert '<tr id="funnel-introduced"><th scope="row">Bekannt gemacht</th><td>3</td><td>75 %</td></tr>' in page
    assert 'id="introduction-chart-data"' in page


# --- the button on the suggestions page ---------------------------------------------------------------------


def _button(user, actor, partner):
    request = RequestFactory().get("/akteure/x/vorschlaege/")
    request.user = user
    return render_to_string(
        "synergies/_introduction_button.html", {"actor": actor, "partner": partner, "suggestion": None}, request=request
    )


def test_the_button_offers_what_the_reader_may_do(coordinator, weltladen, foerderkreis):
    editor = UserFactory(role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(weltladen)
    staff = UserFactory(role=Role.CITY_STAFF)

    assert "Vermittlung vorschlagen" in _button(coordinator, weltladen, foerderkreis)
    assert "Um Vermittlung bitten" in _button(editor, weltladen, foerderkreis)
    assert "<form" not in _button(staff, weltladen, foerderkreis)

    introduction = propose(coordinator, weltladen, foerderkreis)
    for user in (coordinator, editor, staff):
        html = _button(user, weltladen, foerderkreis)
        assert "Vermittlung: vorgeschlagen" in html and introduction.get_absolute_url() in html
        assert "<form" not in html


def test_a_too_long_note_is_explained_and_nothing_is_proposed(client, coordinator, weltladen, foerderkreis):
    client.force_login(coordinator)
    response = client.post(
        reverse("synergies:introduction_create"),
        {"actor": weltladen.pk, "partner": foerderkreis.pk, "note": "x" * 2001},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "höchstens 2000 Zeichen" in response.content.decode()
    assert not Introduction.objects.exists()


def test_when_both_sides_lack_an_address_both_are_named(coordinator, silent, django_capture_on_commit_callbacks):
    other = ActorFactory(name="Zweite Initiative ohne Adresse", contact_email="")
    introduction = propose(coordinator, silent, other)
    with pytest.raises(ValidationError, match="Für „Initiative ohne Adresse“ und „Zweite Initiative ohne Adresse“ ist"):
        send(coordinator, introduction, django_capture_on_commit_callbacks)
    assert not IntroductionMail.objects.exists()


# --- history: every step is one change row touching both actors -------------------------------------------


def test_each_step_records_one_change_touching_both_actors(coordinator, weltladen, foerderkreis, introduced):
    met = mark_met(coordinator, introduced)
    done = services.introduction_mark_cooperating(user=coordinator, introduction=met, expected_version=met.version)

    history = steps(done)
    assert [(c.kind, c.version) for c in history] == [
        (ChangeKind.INTRODUCTION_PROPOSED, 1),
        (ChangeKind.INTRODUCTION_SENT, 2),
        (ChangeKind.INTRODUCTION_MET, 3),
        (ChangeKind.INTRODUCTION_COOPERATING, 4),
    ]
    for change in history:
        assert change.user == coordinator
        assert change.audience == Audience.INTERNAL and not change.public
        assert {(s.kind, s.subject_id) for s in change.subjects.all()} == {
            ("actor", weltladen.pk),
            ("actor", foerderkreis.pk),
        }
        assert change.record_label == f"{done.actor_a.name} – {done.actor_b.name}"
    assert history[0].data["values"]["status"] == "proposed"
    assert history[1].fields["status"] == {"old": "proposed", "new": "introduced"}
    assert history[2].fields["interaction"] == {"old": None, "new": done.interaction_id}
    assert history[3].fields["tie"] == {"old": None, "new": done.tie_id}


def test_meeting_and_cooperating_record_the_contact_and_the_tie_in_the_same_batch(coordinator, introduced):
    met = mark_met(coordinator, introduced)
    done = services.introduction_mark_cooperating(user=coordinator, introduction=met, expected_version=met.version)

    contact = Change.objects.get(kind=ChangeKind.INTERACTION_CREATED)
    assert (contact.record_id, contact.audience) == (done.interaction_id, Audience.COORDINATION)
    assert Change.objects.get(kind=ChangeKind.TIE_CREATED).record_id == done.tie_id


def test_a_refused_step_records_nothing(coordinator, weltladen, silent, django_capture_on_commit_callbacks):
    introduction = propose(coordinator, weltladen, silent)
    with pytest.raises(ValidationError):
        send(coordinator, introduction, django_capture_on_commit_callbacks)
    assert [c.kind for c in Change.objects.all()] == [ChangeKind.INTRODUCTION_PROPOSED]


def test_sending_enqueues_the_mails_only_after_the_commit(
    coordinator, weltladen, foerderkreis, django_capture_on_commit_callbacks
):
    introduction = propose(coordinator, weltladen, foerderkreis)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.introduction_send(user=coordinator, introduction=introduction, expected_version=introduction.version)
        # Recorded inside the transaction; the sending task waits for the commit.
        assert Change.objects.filter(kind=ChangeKind.INTRODUCTION_SENT).count() == 1
        assert not DBTaskResult.objects.filter(task_path=SEND_TASK).exists()
    assert len(callbacks) == 1
    assert DBTaskResult.objects.filter(task_path=SEND_TASK).count() == 1


def test_retrying_failed_mails_is_recorded_and_starts_a_run_after_commit(
    coordinator, introduced, django_capture_on_commit_callbacks
):
    IntroductionMail.objects.filter(introduction=introduced).update(status="failed", error="SMTP 421")
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        count = services.introduction_retry_mails(user=coordinator, introduction=introduced)
        assert not DBTaskResult.objects.exists()

    assert count == 2
    retried = Change.objects.get(kind=ChangeKind.INTRODUCTION_MAILS_RETRIED)
    assert (retried.data["count"], retried.user, retried.version) == (2, coordinator, introduced.version)
    assert DBTaskResult.objects.filter(task_path=SEND_TASK).count() == 1
    assert reload(introduced).version == introduced.version  # the introduction itself did not change


def test_retrying_without_failed_mails_records_and_starts_nothing(
    coordinator, introduced, django_capture_on_commit_callbacks
):
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.introduction_retry_mails(user=coordinator, introduction=introduced) == 0
    assert not Change.objects.filter(kind=ChangeKind.INTRODUCTION_MAILS_RETRIED).exists()
    assert not DBTaskResult.objects.exists()


def test_the_timeline_tells_the_steps_and_the_reason_to_internal_readers_only(
    client, coordinator, introduced, weltladen
):
    services.introduction_decline(user=coordinator, introduction=introduced, reason="Kein Bedarf mehr")
    client.force_login(coordinator)
    page = client.get(introduced.get_absolute_url()).content.decode()
    assert "Erika Beispiel hat eine Vermittlung vorgeschlagen." in page
    assert "Erika Beispiel hat eine Vermittlung verschickt." in page
    assert "Erika Beispiel hat eine Vermittlung abgelehnt." in page
    assert "Kein Bedarf mehr" in page

    editor = UserFactory(role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(weltladen)
    client.force_login(editor)
    page = client.get(introduced.get_absolute_url()).content.decode()
    assert "Erika Beispiel hat eine Vermittlung abgelehnt." in page
    assert "Kein Bedarf mehr" not in page


def test_two_units_of_one_organisation_are_not_introduced(coordinator, weltladen):
    city = ActorFactory(name="Stadt Ludwigsburg")
    department = ActorFactory(name="Fachbereich Umwelt", parent=city)
    unit = ActorFactory(name="Referat Klima", parent=department)
    sibling = ActorFactory(name="Fachbereich Bildung", parent=city)

    for actor, partner in ((unit, city), (unit, sibling), (department, sibling)):
        with pytest.raises(ValidationError, match="gehören beide zu „Stadt Ludwigsburg“"):
            propose(coordinator, actor, partner)
    assert not Introduction.objects.exists()
    assert propose(coordinator, unit, weltladen).status == IntroductionStatus.PROPOSED
