"""The daily follow-up reminder: one mail per user with everything due today or overdue.

Each (user, day) is claimed in FollowUpReminder before the mail goes out, so a second run on
the same day — or a second worker running at the same time — sends nothing twice. A mail
that fails to send gives its claim back, so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from knotenpunkt.interactions import selectors
from knotenpunkt.interactions.models import FollowUpReminder

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def reminder_message(user, followups, today: dt.date, connection=None) -> EmailMultiAlternatives:
    """The German reminder mail (plain text and HTML) for one user."""
    with translation.override("de"):
        overdue = [f for f in followups if f.due_date < today]
        rows = [
            {
                "followup": f,
                "overdue": f.due_date < today,
                "url": _absolute(f.get_absolute_url()),
                "about": str(f.interaction) if f.interaction_id else (f.activity.title if f.activity_id else ""),
            }
            for f in followups
        ]
        context = {
            "user": user,
            "name": user.first_name or user.get_full_name() or user.username,
            "rows": rows,
            "today": today,
            "overdue_count": len(overdue),
            "dashboard_url": _absolute(reverse("interactions:dashboard")),
        }
        subject = ngettext(
            "Knotenpunkt: %(count)d Wiedervorlage ist fällig",
            "Knotenpunkt: %(count)d Wiedervorlagen sind fällig",
            len(followups),
        ) % {"count": len(followups)}
        if overdue:
            subject += ngettext(" (%(count)d überfällig)", " (%(count)d überfällig)", len(overdue)) % {
                "count": len(overdue)
            }
        text = render_to_string("interactions/email/reminder.txt", context)
        html = render_to_string("interactions/email/reminder.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email], connection=connection
    )
    message.attach_alternative(html, "text/html")
    return message


def send_followup_reminders(*, today: dt.date | None = None) -> dict:
    """Send today's reminders; returns counts {"sent", "already_sent", "failed"}."""
    today = today or timezone.localdate()
    counts = {"sent": 0, "already_sent": 0, "failed": 0}
    connection = get_connection()
    try:
        for user, followups in selectors.due_reminders(today).items():
            try:
                with transaction.atomic():
                    claim = FollowUpReminder.objects.create(user=user, date=today, followup_count=len(followups))
            except IntegrityError:
                counts["already_sent"] += 1
                continue
            try:
                reminder_message(user, followups, today, connection=connection).send()
            except Exception:
                logger.exception("Erinnerung an Benutzer %s konnte nicht verschickt werden", user.pk)
                claim.delete()
                connection.close()
                counts["failed"] += 1
                continue
            FollowUpReminder.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
            counts["sent"] += 1
    finally:
        connection.close()
    return counts
