"""Bar charts as SVG for the report's HTML and PDF: no script, readable by screen readers (a title
and a description), colours with enough contrast, one bar per row of the table it illustrates."""

from __future__ import annotations

from django.utils.html import escape

BAR = "#0b6b5d"
TEXT = "#1d2b28"
ROW = 22
LABEL_WIDTH = 210
BAR_WIDTH = 300


def bar_chart(key: str, title: str, rows: list[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, the value written after each bar. Empty rows: no chart (the table says so)."""
    rows = [(label, value) for label, value in rows if value is not None]
    if not rows or not any(value for _label, value in rows):
        return ""
    top = max(value for _label, value in rows) or 1
    height = ROW * len(rows) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 70
    summary = "; ".join(f"{label}: {_number(value)}{unit}" for label, value in rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="chart-{key}-t chart-{key}-d">',
        f'<title id="chart-{key}-t">{escape(title)}</title><desc id="chart-{key}-d">{escape(summary)}</desc>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW
        length = round(BAR_WIDTH * value / top, 1)
        text = escape(label if len(label) <= 34 else label[:33] + "…")
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 14}" text-anchor="end" font-size="12" fill="{TEXT}">{text}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length}" height="{ROW - 8}" fill="{BAR}"/>'
            f'<text x="{LABEL_WIDTH + length + 5}" y="{y + 14}" font-size="12" fill="{TEXT}">'
            f"{_number(value)}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.1f}".replace(".", ",")
