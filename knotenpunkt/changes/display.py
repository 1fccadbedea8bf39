"""Changes in words: "Erika Beispiel hat die Beschreibung geändert", with the values before and after.

Stored values (values.py) are turned into labels here: choices into their label, keys into the
name the record has now (or "gelöscht"), dates into local dates. Related records are loaded once
per page, not once per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django_countries import countries
from django_countries.fields import CountryField

from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change

# Fields that are no model field of their own: how the history names them.
PSEUDO_FIELDS = {
    "participants": lambda: _("Beteiligte"),
    "countries": lambda: _("Länder des Engagements"),
}
# German accusative article of a field's name ("hat die Beschreibung geändert").
ARTICLES = {
    "Adresse (Slug)": "die",
    "Anzahl Beziehungen": "die",
    "Art": "die",
    "Beginn": "den",
    "Beschreibung": "die",
    "Beteiligte": "die",
    "Breitengrad": "den",
    "E-Mail (privat)": "die",
    "Ebene": "die",
    "Ende": "das",
    "Fassung des Einwilligungstexts": "die",
    "Funktion": "die",
    "Grund der Einschränkung": "den",
    "interne Notizen": "die",
    "Land (Sitz)": "das",
    "Länder des Engagements": "die",
    "Längengrad": "den",
    "Nachhaltigkeitsziele": "die",
    "Nachname": "den",
    "Name": "den",
    "Notiz": "die",
    "Notizen": "die",
    "Ort": "den",
    "PLZ": "die",
    "Rechtsgrundlage": "die",
    "Straße und Hausnummer": "die",
    "Telefon (privat)": "das",
    "Termine laut Kalenderquelle": "die",
    "Themen": "die",
    "Titel": "den",
    "Vorname": "den",
    "Website": "die",
    "Zweck": "den",
    "öffentliche E-Mail": "die",
    "öffentliche Telefonnummer": "die",
    "übergeordnete Einheit": "die",
}
MAX_NAMED_FIELDS = 3
TEXT_PREVIEW = 160


@dataclass
class FieldLine:
    name: str
    label: str
    old: str
    new: str
    old_full: str = ""
    new_full: str = ""


@dataclass
class Entry:
    change: Change
    who: str
    sentence: str
    lines: list[FieldLine] = field(default_factory=list)
    about_other_record: bool = False


def _model(record_type: str):
    try:
        return apps.get_model(record_type)
    except (LookupError, ValueError):
        return None


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_label(model, name: str) -> str:
    if name in PSEUDO_FIELDS:
        return str(PSEUDO_FIELDS[name]())
    f = _field(model, name)
    if f is None:
        return name
    if f.is_relation and f.auto_created and not f.concrete:  # reverse relation, e.g. actor.countries
        return str(f.related_model._meta.verbose_name_plural)
    return str(f.verbose_name)


def field_phrase(model, name: str) -> str:
    label = field_label(model, name)
    if (get_language() or "de").startswith("en"):
        return f"the {label}"
    if name == "published":
        return "die Veröffentlichung"
    article = ARTICLES.get(label)
    return f"{article} {label}" if article else f"„{label}“"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(first)s und %(last)s") % {"first": ", ".join(parts[:-1]), "last": parts[-1]}


def who(change: Change) -> str:
    user = change.user
    if user is None:
        if (change.data or {}).get("via") == "calendar_import":  # activities.services, from a feed
            return _("Kalenderimport")
        return _("Knotenpunkt (automatisch)")
    return user.get_full_name() or user.username


class _Lookups:
    """Labels of the records that stored values point to, loaded in one query per model."""

    def __init__(self):
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.loaded: dict[type[models.Model], dict] = {}

    def want(self, model, pks) -> None:
        for pk in pks:
            if isinstance(pk, (int, str)) and pk != "":
                self.wanted[model].add(pk)

    def load(self) -> None:
        for model, pks in self.wanted.items():
            ints = [pk for pk in pks if isinstance(pk, int) or str(pk).isdigit()]
            self.loaded[model] = {str(pk): str(obj) for pk, obj in model._default_manager.in_bulk(ints).items()}

    def label(self, model, pk) -> str:
        if pk in (None, ""):
            return "–"
        found = self.loaded.get(model, {}).get(str(pk))
        if found is not None:
            return found
        if isinstance(pk, str) and not pk.isdigit():  # older rows stored the name itself
            return pk
        return _("gelöscht")


def _participant_models():
    return _model("actors.actor"), _model("actors.person")


def _collect(lookups: _Lookups, model, name: str, value) -> None:
    if value in (None, "", []):
        return
    if name == "participants":
        actor_model, person_model = _participant_models()
        for item in value:
            if isinstance(item, (list, tuple)) and len(item) == 3:
                _role, kind, pk = item
                lookups.want(actor_model if kind == "actor" else person_model, [pk])
        return
    f = _field(model, name)
    if f is None or not f.is_relation or not f.concrete:
        return
    lookups.want(f.related_model, value if isinstance(value, list) else [value])


def _date_text(value: str) -> str | None:
    parsed = parse_datetime(value) if "T" in value else None
    if parsed is not None:
        if timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)
        return formats.date_format(parsed, "SHORT_DATETIME_FORMAT")
    day = parse_date(value) if len(value) == 10 else None
    if day is not None:
        return formats.date_format(day, "SHORT_DATE_FORMAT")
    return None


def _text(lookups: _Lookups, model, name: str, value) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if name == "participants":
        actor_model, person_model = _participant_models()
        role_field = _field(_model("activities.participation"), "role")
        roles = dict(role_field.choices) if role_field is not None else {}
        parts = []
        for item in value:
            if isinstance(item, (list, tuple)) and len(item) == 3:
                role, kind, pk = item
                target = actor_model if kind == "actor" else person_model
                parts.append(f"{lookups.label(target, pk)} ({roles.get(role, role)})")
            else:
                parts.append(str(item))
        return ", ".join(parts)
    if name == "countries":
        return ", ".join(str(countries.name(code) or code) for code in value)
    if name == "dates" and isinstance(value, dict):  # an imported series' dates, summarised (activities.services)
        count = value.get("count") or 0
        text = ngettext("%(count)d Termin", "%(count)d Termine", count) % {"count": count}
        first, last = _date_text(value.get("first") or ""), _date_text(value.get("last") or "")
        if first and last and count > 1:
            text += " " + _("vom %(first)s bis %(last)s") % {"first": first, "last": last}
        return text
    f = _field(model, name)
    if f is not None and f.is_relation and f.concrete:
        items = value if isinstance(value, list) else [value]
        return ", ".join(lookups.label(f.related_model, pk) for pk in items)
    if isinstance(f, CountryField):
        return str(countries.name(value) or value)
    if f is not None and f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str):
        as_date = _date_text(value) if isinstance(f, (models.DateField, models.DateTimeField)) or f is None else None
        if as_date:
            return as_date
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _preview(text: str) -> str:
    return text if len(text) <= TEXT_PREVIEW else Truncator(text).chars(TEXT_PREVIEW)


def _sentence(change: Change, model, names: list[str], *, with_label: bool, person: str, cache: dict) -> str:
    """The sentence for a change; its part before the record's label is the same for many changes
    (one person, one kind, the same fields), so it is built once per describe() call."""
    restored = (change.data or {}).get("restored_from")
    key = (person, change.kind, change.record_type, tuple(names), bool(restored))
    text = cache.get(key)
    if text is None:
        text = cache[key] = _sentence_start(change, model, names, person=person, restored=restored)
    if with_label and change.record_label:
        text += f": {change.record_label}"
    return text + "."


def _sentence_start(change: Change, model, names: list[str], *, person: str, restored) -> str:
    if names and (restored or change.kind.endswith(".updated") or change.kind == ChangeKind.USER_ROLE_CHANGED):
        phrases = [field_phrase(model, n) for n in names[:MAX_NAMED_FIELDS]]
        if len(names) > MAX_NAMED_FIELDS:
            more = len(names) - MAX_NAMED_FIELDS
            phrases.append(ngettext("%(n)d weiteres Feld", "%(n)d weitere Felder", more) % {"n": more})
        verb = _("wiederhergestellt") if restored else _("geändert")
        text = _("%(who)s hat %(fields)s %(verb)s") % {"who": person, "fields": _join(phrases), "verb": verb}
    else:
        text = _("%(who)s hat %(what)s") % {"who": person, "what": change.get_kind_display()}
    return text


def describe(changes, *, subject=None) -> list[Entry]:
    """Entries for these changes; `subject` is the record whose history is shown (others get their label)."""
    changes = list(changes)
    lookups = _Lookups()
    for change in changes:
        model = _model(change.record_type)
        for name, pair in change.fields.items():
            for side in ("old", "new"):
                _collect(lookups, model, name, pair.get(side) if isinstance(pair, dict) else None)
    lookups.load()
    entries, sentences, labels = [], {}, {}
    for change in changes:
        model = _model(change.record_type)
        lines = []
        for name, pair in change.fields.items():
            if not isinstance(pair, dict):
                continue
            old = _text(lookups, model, name, pair.get("old"))
            new = _text(lookups, model, name, pair.get("new"))
            label_key = (change.record_type, name)
            if label_key not in labels:
                labels[label_key] = field_label(model, name)
            lines.append(
                FieldLine(
                    name=name,
                    label=labels[label_key],
                    old=_preview(old),
                    new=_preview(new),
                    old_full=old if len(old) > TEXT_PREVIEW else "",
                    new_full=new if len(new) > TEXT_PREVIEW else "",
                )
            )
        other = subject is not None and (
            change.record_type != subject._meta.label_lower or change.record_id != subject.pk
        )
        person = who(change)
        entries.append(
            Entry(
                change=change,
                who=person,
                sentence=_sentence(
                    change,
                    model,
                    [line.name for line in lines],
                    with_label=subject is None or other,
                    person=person,
                    cache=sentences,
                ),
                lines=lines,
                about_other_record=other,
            )
        )
    return entries
