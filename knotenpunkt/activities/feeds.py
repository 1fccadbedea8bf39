"""iCal out (placeholder until the feeds land in this change)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


public_feed = activity_ics = feed_settings = personal_feed = _todo
