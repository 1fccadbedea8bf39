import functools

from django import template
from django.utils import translation
from django.utils.safestring import mark_safe

from knotenpunkt.lib.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Render Markdown to sanitised HTML."""
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def actor_field_label(name):
    """The translated label of an Actor field name, e.g. "description" → "Beschreibung"."""
    from django.core.exceptions import FieldDoesNotExist

    from knotenpunkt.actors.models import Actor

    if name == "countries":
        from django.utils.translation import gettext

        return gettext("Länder des Engagements")
    try:
        return Actor._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name


@register.filter
def actor_field_labels(names):
    return ", ".join(str(actor_field_label(n)) for n in names)


@register.filter
def tie_phrase(tie, actor):
    """ "gefördert von", "Kooperation mit" …: the tie as read from `actor`'s profile."""
    return tie.phrase_for(actor)


@register.filter
def tie_other(tie, actor):
    return tie.other(actor)


@functools.lru_cache(maxsize=16)
def _labels(choices_name, language):
    from knotenpunkt.actors.models import ActorKind, Level

    choices = {"kind": ActorKind, "level": Level}[choices_name]
    return {value: str(label) for value, label in choices.choices}


@register.filter
def kind_label(value):
    """The translated label of an actor kind; Model.get_kind_display() rebuilds its lookup on every call."""
    return _labels("kind", translation.get_language()).get(value, value)


@register.filter
def level_label(value):
    return _labels("level", translation.get_language()).get(value, value)
