from django import template
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
def tie_phrase(tie, actor):
    """ "gefördert von", "Kooperation mit" …: the tie as read from `actor`'s profile."""
    return tie.phrase_for(actor)


@register.filter
def tie_other(tie, actor):
    return tie.other(actor)
