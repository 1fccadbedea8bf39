"""Field values in the form the history stores them: JSON, raw enough to be restored.

Foreign keys are stored as the related primary key, many-to-many fields as the sorted list of
primary keys, choices as their code, dates as ISO text, decimals as text. `display.py` turns
them back into words for readers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models


def stored(value):
    """One value as JSON (without a field to say more about it)."""
    if value is None:
        return None
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # One instant, one text: a form's Berlin time and the database's UTC must compare equal.
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted((stored(v) for v in value), key=lambda v: (str(type(v)), v))
    if isinstance(value, models.QuerySet):
        return sorted(value.values_list("pk", flat=True))
    if hasattr(value, "code") and not isinstance(value, str):  # django-countries Country
        return value.code or ""
    if isinstance(value, (str, int, float, bool, dict)):
        return value
    return str(value)


def field_value(instance: models.Model, name: str):
    """The stored form of one field of an instance (many-to-many fields need a saved instance)."""
    field = instance._meta.get_field(name)
    if field.many_to_many:
        if instance.pk is None:
            return []
        return sorted(getattr(instance, name).values_list("pk", flat=True))
    if field.many_to_one or field.one_to_one:
        return getattr(instance, field.attname)
    value = getattr(instance, name)
    if isinstance(field, models.DecimalField) and value not in (None, ""):
        # 48.8975 typed and 48.897500 read back are the same value: store it at the field's precision.
        value = field.to_python(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return stored(value)


def snapshot(instance: models.Model, names) -> dict:
    return {name: field_value(instance, name) for name in names}


def diff(before: dict, after: dict) -> dict:
    """{name: {"old": …, "new": …}} for the names whose stored value differs."""
    return {
        name: {"old": before.get(name), "new": new}
        for name, new in after.items()
        if stored(before.get(name)) != stored(new)
    }


def to_python(model: type[models.Model], name: str, value):
    """A stored value turned back into what a service takes for this field (for restoring it)."""
    field = model._meta.get_field(name)
    if value is None:
        return None
    if field.many_to_many:
        return list(field.related_model.objects.filter(pk__in=value or []))
    if field.many_to_one or field.one_to_one:
        return field.related_model.objects.filter(pk=value).first()
    return field.to_python(value)
