"""Markdown for descriptions, sanitised: no script, no event handler, no javascript: link survives."""

from html import unescape

import markdown as md
import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    html = md.markdown(text or "", extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def plain_text(text: str) -> str:
    """The words of a Markdown text without its markup ("**Klimapartnerschaft**" → "Klimapartnerschaft"),
    one line, entities decoded: for cards and lists, where a profile would render the Markdown."""
    html = md.markdown(text or "", extensions=["sane_lists"], output_format="html")
    words = nh3.clean(html, tags=set(), attributes={})
    return " ".join(unescape(words).split())
