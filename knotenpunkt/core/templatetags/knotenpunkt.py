import functools
import re

from django import template
from django.contrib.staticfiles import finders
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language

from knotenpunkt.lib.markdown import plain_text, render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Render Markdown to sanitised HTML."""
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3


EXCERPT_CHARS_PER_WORD = 40


@register.filter
def plain_excerpt(text, words=30):
    """The first `words` words of a Markdown text as plain text, for cards (the profile renders it).

    Only the start of a long text is converted: generously more characters than the words need."""
    words, text = int(words), text or ""
    limit = words * EXCERPT_CHARS_PER_WORD
    cut = len(text) > limit
    if cut:
        text = text[:limit].rsplit(None, 1)[0]
    excerpt = Truncator(plain_text(text)).words(words, truncate=" …")
    return f"{excerpt} …" if cut and not excerpt.endswith("…") else excerpt


_SVG_OPEN = re.compile(r"<svg\b[^>]*>", re.DOTALL)


@functools.lru_cache(maxsize=64)
def _icon_body(name):
    path = finders.find(f"vendor/tabler-icons/{name}.svg")
    if path is None:
        raise template.TemplateSyntaxError(f"Unknown icon {name!r}: add it to scripts/vendor.sh (TABLER_ICONS).")
    with open(path, encoding="utf-8") as file:
        svg = file.read()
    return " ".join(_SVG_OPEN.sub("", svg, count=1).replace("</svg>", "").split())


@register.simple_tag
def icon(name, css_class=""):
    """A vendored Tabler icon inlined as SVG, hidden from assistive technology: the text beside it
    carries the meaning (an icon alone needs an aria-label on its button or link)."""
    classes = escape(f"icon {css_class}".strip())
    return mark_safe(  # noqa: S308 - a vendored file from static/, no user input
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        f'aria-hidden="true" focusable="false">{_icon_body(name)}</svg>'
    )


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
