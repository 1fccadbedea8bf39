"""Text on coloured badges that everybody can read: WCAG 2.1 contrast (1.4.3, at least 4.5:1)."""

WHITE = "#FFFFFF"
DARK = "#1A1A1A"
MINIMUM_CONTRAST = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """Relative luminance of "#RRGGBB" as WCAG defines it."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _darker(hex_colour: str, factor: float) -> str:
    h = hex_colour.lstrip("#")
    return "#" + "".join(f"{round(int(h[i : i + 2], 16) * factor):02X}" for i in (0, 2, 4))


def badge_colours(official: str) -> tuple[str, str]:
    """(background, text) for a badge in an official colour, readable at 4.5:1.

    White text stays where the colour allows it, dark text is used on light colours; a colour that
    reaches 4.5:1 with neither (a mid tone) is darkened step by step until white text does.
    """
    if contrast(official, WHITE) >= MINIMUM_CONTRAST:
        return official.upper(), WHITE
    if contrast(official, DARK) >= MINIMUM_CONTRAST:
        return official.upper(), DARK
    factor = 1.0
    background = official
    while contrast(background, WHITE) < MINIMUM_CONTRAST:
        factor -= 0.02
        background = _darker(official, factor)
    return background, WHITE
