"""How the calendar writes dates and times (always Europe/Berlin)."""

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from knotenpunkt.activities import selectors

register = template.Library()


def _decorated(occurrence):
    if not hasattr(occurrence, "local_start"):
        selectors.decorate(occurrence)
    return occurrence


@register.filter
def when(occurrence) -> str:
    """The full date and time, e.g. "Mittwoch, 12. März 2025, 19:00–21:00 Uhr" or "12.–14. Juni 2017 (ganztägig)"."""
    o = _decorated(occurrence)
    start, end = o.local_start, o.local_end
    if o.shows_all_day:
        if not o.multi_day:
            return _("%(date)s (ganztägig)") % {"date": date_format(start, "l, j. F Y")}
        if (start.year, start.month) == (o.last_day.year, o.last_day.month):
            first_format = "j."
        else:
            first_format = "j. F" if start.year == o.last_day.year else "j. F Y"
        return _("%(first)s – %(last)s (ganztägig)") % {
            "first": date_format(start, first_format),
            "last": date_format(o.last_day, "j. F Y"),
        }
    if end <= start:
        return _("%(date)s, %(time)s Uhr") % {
            "date": date_format(start, "l, j. F Y"),
            "time": date_format(start, "H:i"),
        }
    if not o.multi_day:
        return _("%(date)s, %(start)s–%(end)s Uhr") % {
            "date": date_format(start, "l, j. F Y"),
            "start": date_format(start, "H:i"),
            "end": date_format(end, "H:i"),
        }
    return _("%(start)s – %(end)s Uhr") % {
        "start": date_format(start, "j. F Y, H:i"),
        "end": date_format(end, "j. F Y, H:i"),
    }


@register.filter
def time_range(occurrence) -> str:
    """ "19:00–21:00" for the week view; "ganztägig"; multi-day ones with their dates."""
    o = _decorated(occurrence)
    if o.shows_all_day:
        return _("ganztägig")
    if o.multi_day:
        return f"{date_format(o.local_start, 'j.n. H:i')}–{date_format(o.local_end, 'j.n. H:i')}"
    if o.local_end <= o.local_start:
        return date_format(o.local_start, "H:i")
    return f"{date_format(o.local_start, 'H:i')}–{date_format(o.local_end, 'H:i')}"


@register.simple_tag
def calendar_link(params, **changes) -> str:
    """A calendar query string: the current filters with view/date/page replaced."""
    from urllib.parse import urlencode

    return "?" + urlencode({**params, **{k: v for k, v in changes.items() if v not in (None, "")}})
