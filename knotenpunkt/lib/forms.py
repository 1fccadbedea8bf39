"""Putting a service's errors on the form the user filled in.

Services raise Django's ValidationError, keyed by model field. A database rule (a model's
CheckConstraint or conditional UniqueConstraint) has no field of its own: Django reports it above the
form. Every such rule in Knotenpunkt names the field it is about in its `violation_error_code`, and
`add_errors` and `ModelForm` put its German sentence there. So "latitude 200" reads "Der Breitengrad
liegt zwischen -90 und 90." under the latitude field, not a constraint's name at the top of the form.
"""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_errors(form, exc: ValidationError, *, rename: dict | None = None) -> list[ValidationError]:
    """Show `exc` on `form`: each error at its field (after `rename`, model field → form field), an
    error without a field at the field its code names, everything else above the form.

    A field that is not on the form, or is disabled or hidden, gets its error above the form. Errors whose field
    maps to None in `rename` are not added; they are returned for the caller to show elsewhere.
    """
    rename = rename or {}
    kept: list[ValidationError] = []
    errors = exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.error_list)]
    for name, field_errors in errors:
        for error in field_errors:
            field = name
            if name == NON_FIELD_ERRORS and isinstance(error.code, str):
                field = error.code
            if field in rename and rename[field] is None:
                kept.append(error)
                continue
            field = rename.get(field, field)
            _add(form, _target(form, field), error)
    return kept


def _target(form, name: str | None) -> str | None:
    field = form.fields.get(name) if name else None
    if field is None or field.disabled or field.widget.is_hidden:
        return None
    return name


def _add(form, field, error):
    # Straight to Django's add_error: ModelForm.add_error below routes errors through add_errors.
    forms.BaseForm.add_error(form, field, error)


class ModelForm(forms.ModelForm):
    """A ModelForm whose model validation puts a database rule's sentence at the rule's field."""

    def add_error(self, field, error):
        if field is None and isinstance(error, ValidationError):
            add_errors(self, error)
        else:
            super().add_error(field, error)
