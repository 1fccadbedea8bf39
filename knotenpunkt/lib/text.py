"""Text as it may be stored: no control characters (NUL breaks PostgreSQL, CR/LF in a name breaks mail
headers and exports), for every text that comes from outside (uploads, feeds, forms)."""

from __future__ import annotations

import re

# C0 controls and DEL, without tab, line feed and carriage return (kept in multi-line text).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"[\t\r\n\u2028\u2029\x85]+")


def multi_line(text: str) -> str:
    """Drop control characters; keep tabs and line breaks (descriptions, notes)."""
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """Drop control characters and turn line breaks and tabs into single spaces (names, titles, places)."""
    return _LINE_BREAKS.sub(" ", _CONTROL.sub("", text)).strip()


def cleaned(name: str, value, one_line_fields) -> object:
    """`value` for field `name` as it may be stored: one line for the fields in `one_line_fields`
    (names, titles, places), control characters dropped from any other text; non-text unchanged."""
    if not isinstance(value, str):
        return value
    return one_line(value) if name in one_line_fields else multi_line(value)
