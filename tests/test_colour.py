"""SDG badges and other coloured labels are readable: text contrast at least 4.5:1 (WCAG 2.1, 1.4.3)."""

import pytest

from knotenpunkt.actors.models import SDG
from knotenpunkt.lib.colour import DARK, WHITE, badge_colours, contrast


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [("#FFFFFF", "#000000", 21.0), ("#000000", "#FFFFFF", 21.0), ("#777777", "#777777", 1.0), ("#767676", WHITE, 4.54)],
)
def test_contrast_is_the_wcag_ratio(first, second, ratio):
    assert contrast(first, second) == pytest.approx(ratio, abs=0.01)


@pytest.mark.django_db
def test_all_17_sdg_badges_have_a_contrast_of_at_least_4_5(seeded_sdgs):
    sdgs = list(SDG.objects.all())
    assert len(sdgs) == 17
    for sdg in sdgs:
        background, text = badge_colours(sdg.colour)
        assert contrast(background, text) >= 4.5, sdg
        assert sdg.badge_style == f"--sdg: {background}; --sdg-text: {text}"


def test_a_light_official_colour_keeps_its_colour_and_gets_dark_text():
    assert badge_colours("#FCC30B") == ("#FCC30B", DARK)  # SDG 7, yellow


def test_a_dark_official_colour_keeps_white_text():
    assert badge_colours("#19486a") == ("#19486A", WHITE)  # SDG 17


def test_a_mid_tone_readable_with_neither_text_is_darkened_for_white_text():
    background, text = badge_colours("#7A7A7A")
    assert contrast("#7A7A7A", WHITE) < 4.5 and contrast("#7A7A7A", DARK) < 4.5
    assert text == WHITE and background != "#7A7A7A"
    assert contrast(background, WHITE) >= 4.5
