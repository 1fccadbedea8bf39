"""Forms of the contact log, and the picker widget that chooses actors, persons, staff or a
activity out of thousands by typing (htmx asks interactions:pick for matching entries)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import Role, User
from knotenpunkt.activities import permissions as activity_permissions
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.forms import IdMultipleChoiceField
from knotenpunkt.actors.models import Actor, Person
from knotenpunkt.interactions import permissions
from knotenpunkt.interactions.models import Channel, Visibility

PICK_LIMIT = 15


# --- what each picker offers ------------------------------------------------------------


def staff_users():
    """Users who can take part in and own entries of the contact log: coordination and city staff."""
    return User.objects.filter(is_active=True).filter(
        Q(role__in=[Role.COORDINATOR, Role.CITY_STAFF]) | Q(is_superuser=True)
    )


def user_label(user) -> str:
    return user.get_full_name() or user.username


def _activity_label(activity) -> str:
    start = timezone.localtime(activity.start)
    return f"{activity.title} ({start:%d.%m.%Y})"


def _person_label(person) -> str:
    return str(person)


class PickerKind:
    """One kind of picker: where its choices come from, how they are searched and labelled."""

    def __init__(self, name, *, multiple=True):
        self.name = name
        self.multiple = multiple

    def queryset(self, user):
        if self.name in ("actors", "actor"):
            return actor_permissions.visible_actors(user)
        if self.name == "persons":
            # Restricted (Art. 18) and erased persons are not offered; see InteractionForm for kept links.
            return Person.objects.active() if roles.is_internal_reader(user) else Person.objects.none()
        if self.name == "staff":
            return staff_users()
        if self.name == "activity":
            return activity_permissions.visible_activities(user)
        raise ValueError(self.name)

    def search(self, user, q: str, exclude=()):
        qs = self.queryset(user).exclude(pk__in=[pk for pk in exclude if pk.isdigit() and len(pk) < 19])
        if self.name in ("actors", "actor"):
            return qs.filter(Q(name__icontains=q) | Q(slug__icontains=q)).order_by("name")[:PICK_LIMIT]
        if self.name == "persons":
            words = q.split()
            for word in words[:3]:
                qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
            return qs.order_by("last_name", "first_name")[:PICK_LIMIT]
        if self.name == "staff":
            cond = Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
            return qs.filter(cond).order_by("last_name", "first_name", "username")[:PICK_LIMIT]
        return qs.filter(title__icontains=q).order_by("-start")[:PICK_LIMIT]

    def label(self, obj) -> str:
        if self.name == "staff":
            return user_label(obj)
        if self.name == "activity":
            return _activity_label(obj)
        if self.name == "persons":
            return _person_label(obj)
        return obj.name


PICKERS = {
    "actors": PickerKind("actors"),
    "actor": PickerKind("actor", multiple=False),
    "persons": PickerKind("persons"),
    "staff": PickerKind("staff"),
    "activity": PickerKind("activity", multiple=False),
}


class Picker(forms.Widget):
    """Chosen entries as checkboxes (radios for a single choice), plus a search box whose
    matches htmx loads from interactions:pick. Checking a match moves it to the chosen ones."""

    def __init__(self, kind: str, attrs=None):
        super().__init__(attrs)
        self.kind = PICKERS[kind]
        self.choices = ()

    def value_from_datadict(self, data, files, name):
        if self.kind.multiple:
            return data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False

    def _selected(self, value):
        values = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
        ids = []
        for v in values:
            pk = getattr(v, "pk", v)
            try:
                pk = int(pk)
            except (TypeError, ValueError):
                continue
            if abs(pk) < 2**63:
                ids.append(pk)
        # The field hands its ModelChoiceIterator over as `choices`: look up only the chosen rows.
        queryset = getattr(self.choices, "queryset", None)
        if not ids or queryset is None:
            return []
        found = {obj.pk: obj for obj in queryset.filter(pk__in=ids)}
        return [(obj.pk, self.kind.label(obj)) for obj in (found.get(pk) for pk in ids) if obj is not None]

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        widget_id = attrs.get("id") or f"id_{name}"
        return render_to_string(
            "interactions/_picker.html",
            {
                "name": name,
                "id": widget_id,
                "kind": self.kind.name,
                "multiple": self.kind.multiple,
                "selected": self._selected(value),
                "search_url": reverse("interactions:pick", args=[self.kind.name]),
                "describedby": attrs.get("aria-describedby", ""),
            },
        )


class SafeModelChoiceField(forms.ModelChoiceField):
    """Ids beyond 64 bits are an invalid choice, not a database error."""

    def to_python(self, value):
        try:
            if value not in self.empty_values and abs(int(value)) >= 2**63:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None
        return super().to_python(value)


class PickedMultipleField(IdMultipleChoiceField):
    def __init__(self, *args, kind: str, **kwargs):
        kwargs.setdefault("widget", Picker(kind))
        super().__init__(*args, **kwargs)


class PickedChoiceField(SafeModelChoiceField):
    def __init__(self, *args, kind: str, **kwargs):
        kwargs.setdefault("widget", Picker(kind))
        super().__init__(*args, **kwargs)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssigneeField(SafeModelChoiceField):
    def label_from_instance(self, obj):
        return user_label(obj)


# --- the forms ------------------------------------------------------------------------------


class InteractionForm(forms.Form):
    """Record or edit a contact; when recording, optionally with a first follow-up."""

    date = forms.DateField(label=_("Datum"), widget=_date_input())
    channel = forms.ChoiceField(label=_("Art des Kontakts"), choices=Channel.choices)
    summary = forms.CharField(
        label=_("Inhalt"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        help_text=_("Worum ging es, was wurde vereinbart? Markdown ist erlaubt."),
    )
    visibility = forms.ChoiceField(label=_("Sichtbar für"), choices=Visibility.choices, widget=forms.RadioSelect)
    actors = PickedMultipleField(label=_("Akteure"), queryset=Actor.objects.none(), required=False, kind="actors")
    persons = PickedMultipleField(label=_("Personen"), queryset=Person.objects.none(), required=False, kind="persons")
    staff = PickedMultipleField(
        label=_("Mitarbeitende der Stadt"), queryset=User.objects.none(), required=False, kind="staff"
    )
    activity = PickedChoiceField(
        label=_("Zugehöriger Termin"),
        queryset=Actor.objects.none(),
        required=False,
        kind="activity",
        help_text=_("Optional: der Termin, bei dem der Kontakt stattfand."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    followup_title = forms.CharField(label=_("Was ist zu tun?"), max_length=200, required=False)
    followup_due_date = forms.DateField(label=_("Fällig am"), required=False, widget=_date_input())
    followup_assignee = AssigneeField(label=_("Zuständig"), queryset=User.objects.none(), required=False)

    FOLLOWUP_FIELDS = ("followup_title", "followup_due_date", "followup_assignee")

    def __init__(self, *args, user, instance=None, with_followup=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance
        self.fields["actors"].queryset = PICKERS["actors"].queryset(user)
        self.fields["persons"].queryset = PICKERS["persons"].queryset(user)
        if instance is not None and roles.is_internal_reader(user):
            # A contact keeps the restricted or erased persons it already names.
            kept = Person.objects.filter(interactions=instance)
            self.fields["persons"].queryset = Person.objects.filter(
                Q(pk__in=self.fields["persons"].queryset.values("pk")) | Q(pk__in=kept.values("pk"))
            )
        self.fields["staff"].queryset = staff_users()
        self.fields["activity"].queryset = activity_permissions.visible_activities(user)
        allowed = permissions.interaction_visibility_choices(user)
        if instance is not None and instance.visibility not in allowed:
            allowed = [*allowed, instance.visibility]
        self.fields["visibility"].choices = [(v, label) for v, label in Visibility.choices if v in allowed]
        if allowed:
            self.fields["visibility"].initial = allowed[0]  # the narrowest one this user may choose
        if len(allowed) == 1:
            self.fields["visibility"].help_text = _("Kontakte der Stadtverwaltung sehen alle Mitarbeitenden der Stadt.")
        if with_followup:
            self.fields["followup_assignee"].queryset = staff_users().order_by("last_name", "first_name", "username")
            self.fields["followup_assignee"].initial = user.pk
            self.fields["followup_assignee"].empty_label = None
        else:
            for name in self.FOLLOWUP_FIELDS:
                del self.fields[name]
        if instance is not None:
            self.initial.update(
                {
                    "date": instance.date,
                    "channel": instance.channel,
                    "summary": instance.summary,
                    "visibility": instance.visibility,
                    "actors": [a.pk for a in instance.actors.all()],
                    "persons": [p.pk for p in instance.persons.all()],
                    "staff": [u.pk for u in instance.staff.all()],
                    "activity": instance.activity_id,
                    "version": instance.version,
                }
            )
        else:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("staff", [user.pk])

    def clean(self):
        cleaned = super().clean()
        if "followup_title" in self.fields:
            title = (cleaned.get("followup_title") or "").strip()
            cleaned["followup_title"] = title
            if title and not cleaned.get("followup_due_date") and "followup_due_date" not in self.errors:
                self.add_error("followup_due_date", _("Bitte ein Fälligkeitsdatum für die Wiedervorlage angeben."))
            if title and not cleaned.get("followup_assignee") and "followup_assignee" not in self.errors:
                self.add_error("followup_assignee", _("Bitte angeben, wer die Wiedervorlage übernimmt."))
            if not title and cleaned.get("followup_due_date"):
                self.add_error("followup_title", _("Bitte angeben, was zu tun ist – oder das Datum leeren."))
        return cleaned

    def data_for_service(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("date", "channel", "summary", "visibility", "actors", "persons", "staff", "activity")
            if name in self.cleaned_data
        }

    def followup_for_service(self) -> dict | None:
        if not self.cleaned_data.get("followup_title"):
            return None
        return {
            "title": self.cleaned_data["followup_title"],
            "due_date": self.cleaned_data["followup_due_date"],
            "assignee": self.cleaned_data["followup_assignee"],
        }

    def main_fields(self):
        return [self[name] for name in ("date", "channel", "visibility", "summary")]

    def people_fields(self):
        return [self[name] for name in ("actors", "persons", "staff", "activity")]

    def followup_fields(self):
        return [self[name] for name in self.FOLLOWUP_FIELDS if name in self.fields]


class FollowUpForm(forms.Form):
    """A follow-up on a contact, on an activity, or on its own."""

    title = forms.CharField(label=_("Was ist zu tun?"), max_length=200)
    due_date = forms.DateField(label=_("Fällig am"), widget=_date_input())
    assignee = AssigneeField(label=_("Zuständig"), queryset=User.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["assignee"].queryset = staff_users().order_by("last_name", "first_name", "username")
        self.fields["assignee"].empty_label = None
        self.initial.setdefault("assignee", user.pk)
        self.initial.setdefault("due_date", timezone.localdate() + dt.timedelta(days=7))

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Bitte angeben, was zu tun ist."))
        return title
