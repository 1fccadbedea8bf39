"""Text from outside as it may be stored (lib/text.py)."""

import pytest

from knotenpunkt.lib.text import multi_line, one_line


@pytest.mark.parametrize(
    ("raw", "line", "lines"),
    [
        ("Weltladen\x00 Ludwigsburg", "Weltladen Ludwigsburg", "Weltladen Ludwigsburg"),
        ("Erste Zeile\r\nzweite\tZeile", "Erste Zeile zweite Zeile", "Erste Zeile\r\nzweite\tZeile"),
        ("Glocke\x07 und Escape\x1b[31m", "Glocke und Escape[31m", "Glocke und Escape[31m"),
        ("  Trenner\u2028neue Zeile  ", "Trenner neue Zeile", "  Trenner\u2028neue Zeile  "),
        ("Umlaute äöü ß und – Striche", "Umlaute äöü ß und – Striche", "Umlaute äöü ß und – Striche"),
        ("DEL\x7f", "DEL", "DEL"),
    ],
)
def test_control_characters_go_and_line_breaks_only_where_lines_belong(raw, line, lines):
    assert one_line(raw) == line
    assert multi_line(raw) == lines
