"""A user's personal calendar feed: their internal activities and their open follow-ups.

It joins two domains (activities, the contact log's follow-ups), so it is composed here; the
tokens behind it and the public feeds stay in activities/feeds.py.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_safe

from knotenpunkt.activities import feeds
from knotenpunkt.activities import permissions as activity_permissions
from knotenpunkt.activities.models import FeedToken
from knotenpunkt.interactions import permissions as interaction_permissions
from knotenpunkt.interactions.models import FollowUp


def open_followups(user) -> QuerySet:
    """The user's open follow-ups (Wiedervorlagen) they may still read, by due date."""
    followups = FollowUp.objects.filter(assignee=user, done_at__isnull=True)
    return (
        interaction_permissions.visible_followups(user, followups)
        .select_related("interaction", "activity")
        .order_by("due_date", "pk")
    )


@require_safe
@sensitive_variables("token")
def personal_feed(request, token):
    """A user's internal activities and open follow-ups; the token in the address is the key."""
    feed_token = (
        FeedToken.objects.select_related("user")
        .filter(token_hash=feeds.hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if feed_token is None or not activity_permissions.can_have_personal_feed(feed_token.user):
        raise Http404(_("Dieses Kalender-Abo gibt es nicht (mehr)."))
    user = feed_token.user
    now = timezone.now()
    if feed_token.last_used_at is None or feed_token.last_used_at < now - feeds.TOKEN_TOUCH_INTERVAL:
        FeedToken.objects.filter(pk=feed_token.pk).update(last_used_at=now)
    occurrences = activity_permissions.visible_occurrences(
        user, feeds.occurrences_since(feeds.window_start(feeds.PERSONAL_DAYS_BACK)).filter(public=False)
    )
    activities = activity_permissions.visible_activities(user, feeds.feed_activities(occurrences).filter(public=False))
    name = _("Knotenpunkt – interne Termine von %(user)s") % {"user": user.get_full_name() or user.get_username()}
    events = feeds.vevents(activities, open_followups(user))
    response = feeds.calendar_response(name, events, filename="knotenpunkt.ics")
    # Internal activities and follow-ups: no cache may keep them (the token is the only credential).
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
