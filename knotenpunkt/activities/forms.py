"""Forms of the calendar: an activity with its dates, recurrence and participants, and the
change of a single occurrence. They turn input into what services.activity_create/update and
services.exception_save take; the services decide."""

from __future__ import annotations

import datetime as dt
import json
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from knotenpunkt.accounts import roles
from knotenpunkt.activities import permissions, recurrence
from knotenpunkt.activities.models import Activity, ActivityKind, ParticipantRole
from knotenpunkt.activities.recurrence import BERLIN
from knotenpunkt.activities.services import FEED_OWNED_FIELDS, ParticipantSpec
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.forms import IdMultipleChoiceField
from knotenpunkt.actors.models import SDG, Actor, Level, Person, Theme
from knotenpunkt.lib.widgets import FastSelect

# Dates outside these years are refused: date arithmetic (an all-day end, a series) stays in range.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def validate_plausible_date(value):
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValidationError(_("Bitte ein Datum zwischen 1900 und 2199 angeben."))


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

# The simple recurrence controls; "custom" takes the expert RRULE field.
REPEAT_CHOICES = [
    ("", _("einmalig")),
    ("daily", _("täglich")),
    ("weekly", _("wöchentlich")),
    ("monthly_weekday", _("monatlich am gleichen Wochentag (z. B. 2. Mittwoch)")),
    ("monthly_day", _("monatlich am gleichen Tag (z. B. am 15.)")),
    ("yearly", _("jährlich")),
    ("custom", _("eigene Regel (RRULE, für Fachleute)")),
]
REPEAT_END_CHOICES = [("until", _("bis zum Datum")), ("count", _("nach Anzahl Terminen"))]
_DAYCODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_FREQ = {
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly_weekday": "MONTHLY",
    "monthly_day": "MONTHLY",
    "yearly": "YEARLY",
}
# One RRULE line of NAME=VALUE parts; DTSTART, RDATE and friends come from the form, not the rule.
RRULE_PATTERN = re.compile(r"^(RRULE:)?[A-Z]+=[A-Z0-9,+\-]+(;[A-Z]+=[A-Z0-9,+\-]+)*$")
RRULE_KEYS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "BYWEEKNO",
              "BYYEARDAY", "WKST", "BYHOUR", "BYMINUTE"}  # fmt: skip
RRULE_FREQS = {"HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}

# Fields of the form that map 1:1 to Activity fields (start, end and rrule are composed).
PLAIN_FIELDS = ("kind", "title", "description", "all_day", "place_name", "street", "postcode", "city", "latitude",
                "longitude", "online_url", "level", "public", "outcome_notes")  # fmt: skip
# Form fields that make up a feed-owned Activity field (read-only for imported activities).
FEED_FORM_FIELDS = {
    "start_date", "start_time", "end_date", "end_time", "all_day", "repeat", "repeat_interval", "repeat_end",
    "repeat_until", "repeat_count", "rrule",
} | (FEED_OWNED_FIELDS & set(PLAIN_FIELDS))  # fmt: skip


def nth_weekday(day: dt.date) -> int:
    """2 for the second Wednesday of a month; -1 for the last one when it is also the fifth."""
    n = (day.day - 1) // 7 + 1
    return -1 if n == 5 else n


def build_rrule(*, repeat: str, start: dt.date, interval: int = 1, until: dt.date | None = None,
                count: int | None = None) -> str:  # fmt: skip
    """The RRULE text for the simple controls (UNTIL in UTC, as RFC 5545 asks for with a time zone)."""
    if repeat not in _FREQ:
        return ""
    parts = [f"FREQ={_FREQ[repeat]}"]
    if interval and interval > 1:
        parts.append(f"INTERVAL={interval}")
    if repeat == "monthly_weekday":
        parts.append(f"BYDAY={nth_weekday(start):+d}{_DAYCODES[start.weekday()]}".replace("+", ""))
    elif repeat == "monthly_day":
        parts.append(f"BYMONTHDAY={start.day}")
    if count:
        parts.append(f"COUNT={count}")
    elif until:
        end_of_day = dt.datetime.combine(until, dt.time(23, 59, 59), tzinfo=BERLIN).astimezone(dt.UTC)
        parts.append("UNTIL=" + end_of_day.strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)


def parse_simple_rrule(rrule: str, start: dt.datetime) -> dict | None:
    """The simple controls' values for an RRULE, or None when the rule needs the expert field."""
    text = (rrule or "").strip().upper()
    if text.startswith("RRULE:"):
        text = text[6:]
    parts = dict(chunk.partition("=")[::2] for chunk in text.split(";") if chunk)
    local = start.astimezone(BERLIN)
    freq = parts.pop("FREQ", "")
    interval = parts.pop("INTERVAL", "1")
    if not interval.isdigit():
        return None
    repeat = None
    if freq == "MONTHLY":
        byday, bymonthday = parts.pop("BYDAY", None), parts.pop("BYMONTHDAY", None)
        if byday == f"{nth_weekday(local.date())}{_DAYCODES[local.weekday()]}" and bymonthday is None:
            repeat = "monthly_weekday"
        elif byday is None and bymonthday in (None, str(local.day)):
            repeat = "monthly_day"
    elif freq in ("DAILY", "YEARLY"):
        repeat = freq.lower()
    elif freq == "WEEKLY":
        byday = parts.pop("BYDAY", None)
        if byday in (None, _DAYCODES[local.weekday()]):
            repeat = "weekly"
    if repeat is None:
        return None
    values = {"repeat": repeat, "repeat_interval": int(interval)}
    if "COUNT" in parts and "UNTIL" not in parts and parts["COUNT"].isdigit():
        values.update(repeat_end="count", repeat_count=int(parts.pop("COUNT")))
    elif "UNTIL" in parts and "COUNT" not in parts:
        match = re.fullmatch(r"(\d{8})(T(\d{6})Z?)?", parts.pop("UNTIL"))
        if not match:
            return None
        try:
            moment = dt.datetime.strptime(match.group(1) + (match.group(3) or "235959"), "%Y%m%d%H%M%S")
        except ValueError:
            return None
        if match.group(0).endswith("Z"):
            moment = moment.replace(tzinfo=dt.UTC).astimezone(BERLIN)
        values.update(repeat_end="until", repeat_until=moment.date())
    else:
        return None
    return values if not parts else None


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    """Wall-clock date and time in Berlin as an aware datetime (a time skipped by the clock change moves on)."""
    naive = dt.datetime.combine(day, time)
    return naive.replace(tzinfo=BERLIN).astimezone(dt.UTC).astimezone(BERLIN)


class ActivityForm(forms.Form):
    """All fields of an activity. Start and end are date + time inputs; the recurrence is built
    from simple controls or taken from the expert RRULE field."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Titel"), max_length=200)
    kind = forms.ChoiceField(label=_("Art"), choices=ActivityKind.choices, initial=ActivityKind.EVENT)
    level = forms.ChoiceField(label=_("Ebene"), choices=Level.choices, initial=Level.LOCAL)
    description = forms.CharField(
        label=_("Beschreibung"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown ist erlaubt."),
    )  # fmt: skip
    all_day = forms.BooleanField(label=_("ganztägig"), required=False)
    start_date = forms.DateField(label=_("Beginn (Datum)"), widget=DATE_WIDGET, validators=[validate_plausible_date])
    start_time = forms.TimeField(label=_("Beginn (Uhrzeit)"), required=False, widget=TIME_WIDGET)
    end_date = forms.DateField(
        label=_("Ende (Datum)"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leer lassen: am selben Tag."),
        validators=[validate_plausible_date],
    )
    end_time = forms.TimeField(
        label=_("Ende (Uhrzeit)"), required=False, widget=TIME_WIDGET,
        help_text=_("Leer lassen: ohne feste Dauer (z. B. ein Meilenstein)."),
    )  # fmt: skip
    repeat = forms.ChoiceField(label=_("Wiederholung"), choices=REPEAT_CHOICES, required=False)
    repeat_interval = forms.IntegerField(
        label=_("Abstand"), min_value=1, max_value=99, initial=1, required=False,
        help_text=_("1 = jede Woche/jeden Monat, 2 = jede zweite …"),
    )  # fmt: skip
    repeat_end = forms.ChoiceField(
        label=_("Endet"), choices=REPEAT_END_CHOICES, initial="count", required=False, widget=forms.RadioSelect
    )
    repeat_until = forms.DateField(
        label=_("Letzter Termin am"), required=False, widget=DATE_WIDGET, validators=[validate_plausible_date]
    )
    repeat_count = forms.IntegerField(label=_("Anzahl Termine"), min_value=1, required=False)
    rrule = forms.CharField(
        label=_("Eigene Regel (RRULE)"), max_length=500, required=False,
        help_text=_("Nur bei „eigene Regel“: z. B. FREQ=MONTHLY;BYDAY=-1FR;COUNT=10 – braucht UNTIL oder COUNT."),
    )  # fmt: skip
    place_name = forms.CharField(label=_("Ort"), max_length=200, required=False)
    street = forms.CharField(label=_("Straße und Hausnummer"), max_length=200, required=False)
    postcode = forms.CharField(label=_("PLZ"), max_length=10, required=False)
    city = forms.CharField(label=_("Stadt"), max_length=100, required=False)
    latitude = forms.DecimalField(
        label=_("Breitengrad"), required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("Längengrad"), required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )
    online_url = forms.URLField(label=_("Online-Link"), required=False, max_length=500, assume_scheme="https")
    themes = IdMultipleChoiceField(
        label=_("Themen"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    sdgs = IdMultipleChoiceField(
        label=_("Nachhaltigkeitsziele"), queryset=SDG.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    public = forms.BooleanField(
        label=_("öffentlich"), required=False,
        help_text=_("Öffentliche Termine stehen im Kalender und im iCal-Feed für alle."),
    )  # fmt: skip
    outcome_notes = forms.CharField(
        label=_("Ergebnisse (intern)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Nur für die Koordination, die Stadtverwaltung und die Veranstaltenden sichtbar."),
    )  # fmt: skip

    FIELDSETS = (
        (_("Worum geht es?"), ("title", "kind", "level", "description", "public")),
        (_("Wann?"), ("all_day", "start_date", "start_time", "end_date", "end_time")),
        (_("Wiederholung"), ("repeat", "repeat_interval", "repeat_end", "repeat_until", "repeat_count", "rrule")),
        (_("Wo?"), ("place_name", "street", "postcode", "city", "latitude", "longitude", "online_url")),
        (_("Themen und Ziele"), ("themes", "sdgs")),
        (_("Intern"), ("outcome_notes",)),
    )

    def __init__(self, *args, user, instance: Activity | None = None, **kwargs):
        self.user = user
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", self.initial_for(instance))
        super().__init__(*args, **kwargs)
        self.fields["themes"].label_from_instance = lambda theme: theme.name
        self.fields["sdgs"].label_from_instance = lambda sdg: f"{sdg.number} – {sdg.name}"
        for name in ("kind", "level", "repeat"):
            self.fields[name].widget = FastSelect(choices=self.fields[name].choices)
        may_see_internal = (
            permissions.can_view_activity_internal(user, instance)
            if instance is not None
            else permissions.can_create_activity(user)
        )
        if not may_see_internal:
            del self.fields["outcome_notes"]
        self.feed_locked = instance is not None and instance.is_imported
        if self.feed_locked:
            for name in FEED_FORM_FIELDS & set(self.fields):
                self.fields[name].disabled = True

    @staticmethod
    def initial_for(activity: Activity) -> dict:
        start = activity.start.astimezone(BERLIN)
        end = activity.end.astimezone(BERLIN)
        if activity.all_day:
            last_day = (end - dt.timedelta(days=1)).date() if end > start else start.date()
            end_date, start_time, end_time = last_day, None, None
        else:
            end_date, start_time, end_time = end.date(), start.time(), end.time()
        initial = {name: getattr(activity, name) for name in PLAIN_FIELDS}
        initial.update(
            version=activity.version,
            start_date=start.date(),
            start_time=start_time,
            end_date=end_date,
            end_time=end_time,
            themes=list(activity.themes.all()),
            sdgs=list(activity.sdgs.all()),
            repeat="",
            repeat_interval=1,
            repeat_end="count",
        )
        if activity.rrule:
            simple = parse_simple_rrule(activity.rrule, activity.start)
            if simple is None:
                initial.update(repeat="custom", rrule=activity.rrule)
            else:
                initial.update(simple)
        return initial

    def fieldsets(self):
        groups = []
        for legend, names in self.FIELDSETS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                groups.append((legend, fields))
        return groups

    def clean_rrule(self):
        value = re.sub(r"\s+", "", self.cleaned_data.get("rrule") or "").upper()
        if value.startswith("RRULE:"):
            value = value[6:]
        return value

    def clean(self):
        cleaned = super().clean()
        start_date = cleaned.get("start_date")
        if start_date is None:
            return cleaned
        all_day = cleaned.get("all_day")
        start_time, end_time = cleaned.get("start_time"), cleaned.get("end_time")
        end_date = cleaned.get("end_date") or start_date
        if all_day:
            start = _local(start_date, dt.time(0, 0))
            end = _local(end_date + dt.timedelta(days=1), dt.time(0, 0))
            if end_date < start_date:
                self.add_error("end_date", _("Das Ende liegt vor dem Beginn."))
        else:
            if start_time is None:
                if "start_time" not in self.errors:
                    self.add_error("start_time", _("Bitte eine Uhrzeit angeben oder „ganztägig“ ankreuzen."))
                return cleaned
            start = _local(start_date, start_time)
            end = _local(end_date, end_time if end_time is not None else start_time)
            if end < start:
                field = "end_time" if end_date == start_date else "end_date"
                self.add_error(field, _("Das Ende liegt vor dem Beginn."))
        cleaned["start"], cleaned["end"] = start, end
        cleaned["rrule_text"] = self._rrule(cleaned, start)
        if not self.errors and cleaned["rrule_text"] and not self.feed_locked:
            try:
                recurrence.expand(start=start, end=end, rrule=cleaned["rrule_text"])
            except ValidationError as exc:
                target = "rrule" if cleaned.get("repeat") == "custom" else "repeat"
                for message in exc.message_dict.get("rrule", exc.messages):
                    self.add_error(target, message)
        return cleaned

    def _rrule(self, cleaned, start) -> str:
        repeat = cleaned.get("repeat") or ""
        if self.feed_locked:
            return self.instance.rrule
        if repeat == "custom":
            text = cleaned.get("rrule") or ""
            if not text:
                self.add_error("rrule", _("Bitte eine Regel eintragen oder eine der einfachen Wiederholungen wählen."))
            elif not RRULE_PATTERN.match(text):
                self.add_error("rrule", _("Die Regel besteht aus Teilen wie FREQ=WEEKLY;COUNT=10, getrennt durch „;“."))
            else:
                parts = dict(chunk.partition("=")[::2] for chunk in text.split(";"))
                unknown = set(parts) - RRULE_KEYS
                if unknown:
                    self.add_error(
                        "rrule", _("Unbekannte Angabe in der Regel: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}
                    )
                elif parts.get("FREQ") not in RRULE_FREQS:
                    self.add_error("rrule", _("FREQ muss HOURLY, DAILY, WEEKLY, MONTHLY oder YEARLY sein."))
            return text
        if not repeat:
            return ""
        interval = cleaned.get("repeat_interval") or 1
        if cleaned.get("repeat_end") == "until":
            until = cleaned.get("repeat_until")
            if until is None:
                self.add_error("repeat_until", _("Bitte das Datum des letzten Termins angeben."))
                return ""
            if until < start.astimezone(BERLIN).date():
                self.add_error("repeat_until", _("Der letzte Termin liegt vor dem ersten."))
                return ""
            return build_rrule(repeat=repeat, start=start.astimezone(BERLIN).date(), interval=interval, until=until)
        count = cleaned.get("repeat_count")
        if count is None:
            self.add_error("repeat_count", _("Bitte angeben, wie oft der Termin stattfindet."))
            return ""
        if count > settings.ACTIVITY_MAX_OCCURRENCES:
            self.add_error(
                "repeat_count",
                _("Höchstens %(limit)d Termine pro Serie.") % {"limit": settings.ACTIVITY_MAX_OCCURRENCES},
            )
            return ""
        return build_rrule(repeat=repeat, start=start.astimezone(BERLIN).date(), interval=interval, count=count)

    def data_for_service(self) -> dict:
        """What services.activity_create/update take; an imported activity's feed fields are left out."""
        cleaned = self.cleaned_data
        data = {name: cleaned[name] for name in PLAIN_FIELDS if name in self.fields and name in cleaned}
        data.update(start=cleaned["start"], end=cleaned["end"], rrule=cleaned["rrule_text"])
        data["themes"] = list(cleaned.get("themes") or [])
        data["sdgs"] = list(cleaned.get("sdgs") or [])
        for name in ("description", "place_name", "street", "postcode", "city", "online_url", "outcome_notes"):
            if name in data and data[name] is None:
                data[name] = ""
        if self.feed_locked:
            data = {name: value for name, value in data.items() if name not in FEED_OWNED_FIELDS}
        return data


class ParticipantForm(forms.Form):
    """One row of the participants editor: an actor (by address or exact name) or a person, and a role."""

    actor = forms.CharField(label=_("Akteur"), max_length=220, required=False)
    person = forms.ModelChoiceField(
        label=_("oder Person"), queryset=Person.objects.all(), required=False, empty_label="–"
    )
    role = forms.ChoiceField(label=_("Rolle"), choices=ParticipantRole.choices, initial=ParticipantRole.PARTICIPANT)

    def __init__(self, *args, user, person_choices: list | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["role"].widget = FastSelect(choices=self.fields["role"].choices)
        self.fields["actor"].widget.attrs.update(
            {
                "list": "participant-actor-options",
                "autocomplete": "off",
                "placeholder": _("Name eintippen …"),
                "hx-get": "/akteure/vorschlaege/",
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#participant-actor-options",
                "hx-swap": "innerHTML",
                # htmx sends the input under its own name; "field" tells the view which one it is
                # (no js: values: htmx may not evaluate code under the Content-Security-Policy).
                "hx-vals": json.dumps({"field": self.add_prefix("actor")}),
                "hx-sync": "this:replace",
            }
        )
        if person_choices is not None:
            self.fields["person"].widget = FastSelect(choices=person_choices)
        else:
            del self.fields["person"]

    def clean_actor(self):
        value = (self.cleaned_data.get("actor") or "").strip().replace("\x00", "")
        if not value:
            return None
        visible = actor_permissions.visible_actors(self.user)
        actor = visible.filter(slug=value).first() or visible.filter(name__iexact=value).first()
        if actor is None:
            raise ValidationError(_("Kein Akteur mit diesem Namen oder dieser Adresse gefunden."))
        return actor

    def clean(self):
        cleaned = super().clean()
        actor, person = cleaned.get("actor"), cleaned.get("person")
        if actor is not None and person is not None:
            raise ValidationError(_("Bitte entweder einen Akteur oder eine Person eintragen, nicht beides."))
        return cleaned

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return data.get("actor") is None and data.get("person") is None


def person_choices(user, activity: Activity | None = None) -> list | None:
    """The persons an internal reader may pick (one query for all rows), None for everybody else.

    Restricted (Art. 18) and erased persons are not offered, except those the activity already
    names, so that saving it keeps them.
    """
    if not persons_allowed(user):
        return None
    offered = Q(restricted=False, erased_at__isnull=True)
    if activity is not None and activity.pk:
        offered |= Q(participations__activity=activity)
    persons = (
        Person.objects.filter(offered)
        .distinct()
        .only("pk", "first_name", "last_name")
        .order_by("last_name", "first_name")
    )
    return [("", "–"), *((p.pk, str(p)) for p in persons)]


class BaseParticipantFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = {}
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            data = form.cleaned_data
            key = (
                ("actor", data["actor"].pk)
                if data.get("actor")
                else ("person", getattr(data.get("person"), "pk", None))
            )
            if key[1] is None:
                continue
            if key in seen:
                who = data.get("actor") or data.get("person")
                field = "actor" if key[0] == "actor" else "person"
                form.add_error(field, _("„%(name)s“ ist doppelt eingetragen. Jeder zählt einmal.") % {"name": who})
            seen[key] = form

    def specs(self) -> list[ParticipantSpec]:
        result = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            data = form.cleaned_data
            if data.get("actor") is not None:
                result.append(ParticipantSpec(role=data["role"], actor_id=data["actor"].pk))
            elif data.get("person") is not None:
                result.append(ParticipantSpec(role=data["role"], person_id=data["person"].pk))
        return result


ParticipantFormSet = forms.formset_factory(
    ParticipantForm, formset=BaseParticipantFormSet, extra=0, can_delete=True, max_num=200, absolute_max=200
)


def participants_initial(activity: Activity | None, *, user, persons_allowed: bool) -> tuple[list[dict], list]:
    """The participant rows this user may edit, and the participations kept untouched (persons and
    actors the user may not see): saving the form must not drop what the form did not show."""
    if activity is None:
        own = permissions.activity_organiser_choices(user)
        first = own.order_by("name").first() if own is not None else None
        rows = [{"actor": first.slug, "role": ParticipantRole.ORGANISER}] if first else []
        return rows, []
    visible = set(
        actor_permissions.visible_actors(user).filter(participations__activity=activity).values_list("pk", flat=True)
    )
    rows, kept = [], []
    for p in activity.participations.select_related("actor", "person").order_by("role", "id"):
        if p.actor_id is not None and p.actor_id in visible:
            rows.append({"actor": p.actor.slug, "role": p.role})
        elif p.person_id is not None and persons_allowed:
            rows.append({"person": p.person_id, "role": p.role})
        else:
            kept.append(p)
    return rows, kept


def persons_allowed(user) -> bool:
    """Persons are internal contacts: only internal readers choose them from the full list."""
    return roles.is_internal_reader(user)


class ExceptionForm(forms.Form):
    """Change one date of a recurring activity: cancel it, move it, or undo an earlier change."""

    recurrence_id = forms.CharField(max_length=40)
    cancelled = forms.BooleanField(required=False)
    reset = forms.BooleanField(required=False)
    start_date = forms.DateField(
        label=_("Neues Datum"), required=False, widget=DATE_WIDGET, validators=[validate_plausible_date]
    )
    start_time = forms.TimeField(label=_("Beginn"), required=False, widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("Ende"), required=False, widget=TIME_WIDGET)
    title = forms.CharField(label=_("abweichender Titel"), max_length=200, required=False)
    note = forms.CharField(label=_("Hinweis"), max_length=300, required=False)

    def __init__(self, *args, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity = activity

    def clean_recurrence_id(self):
        value = self.cleaned_data["recurrence_id"].strip().replace(" ", "+")
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(_("Unbekanntes Datum.")) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BERLIN)
        try:
            return moment.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(_("Unbekanntes Datum.")) from None

    def clean(self):
        cleaned = super().clean()
        rid = cleaned.get("recurrence_id")
        if rid is None or cleaned.get("reset") or cleaned.get("cancelled"):
            return cleaned
        duration = self.activity.end - self.activity.start
        local = rid.astimezone(BERLIN)
        day = cleaned.get("start_date") or local.date()
        start_time = cleaned.get("start_time") or (None if self.activity.all_day else local.time())
        if start_time is None:
            start_time = dt.time(0, 0)
        start = _local(day, start_time)
        end_time = cleaned.get("end_time")
        end = _local(day, end_time) if end_time is not None else start + duration
        if end < start:
            self.add_error("end_time", _("Das Ende liegt vor dem Beginn."))
        if not (cleaned.get("start_date") or cleaned.get("start_time") or end_time or cleaned.get("title")):
            raise ValidationError(_("Bitte ein neues Datum, eine neue Uhrzeit oder „fällt aus“ angeben."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


def actor_for_slug(user, slug: str) -> Actor | None:
    return actor_permissions.visible_actors(user).filter(slug=slug).first()
