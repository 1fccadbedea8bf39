from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

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


# What people write into Knotenpunkt (names, descriptions, titles) is German, whatever the interface language.
CONTENT_LANGUAGE = "de"


@register.simple_tag
def content_lang():
    """` lang="de"` for an element with user content when the interface is not German (WCAG 3.1.2), else nothing.

    Usage: `<p{% content_lang %}>{{ actor.description }}</p>`.
    """
    if (get_language() or CONTENT_LANGUAGE).split("-")[0] == CONTENT_LANGUAGE:
        return ""
    return mark_safe(f' lang="{CONTENT_LANGUAGE}"')  # noqa: S308 - a constant
