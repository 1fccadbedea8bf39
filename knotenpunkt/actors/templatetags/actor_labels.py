"""Labels of actors' choices for list pages (Model.get_kind_display() rebuilds its lookup on every call)."""

import functools

from django import template
from django.utils import translation

from knotenpunkt.actors.models import ActorKind, Level

register = template.Library()


@functools.lru_cache(maxsize=16)
def _labels(choices_name, language):
    choices = {"kind": ActorKind, "level": Level}[choices_name]
    return {value: str(label) for value, label in choices.choices}


@register.filter
def kind_label(value):
    """The translated label of an actor kind."""
    return _labels("kind", translation.get_language()).get(value, value)


@register.filter
def level_label(value):
    return _labels("level", translation.get_language()).get(value, value)
