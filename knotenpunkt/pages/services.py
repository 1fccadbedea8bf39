"""Changes to the accessibility pages: the office's statement, a visitor's barrier report."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from knotenpunkt.accounts import roles
from knotenpunkt.changes import values
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.services import atomic, record
from knotenpunkt.lib.keyed_hash import keyed_hash
from knotenpunkt.pages.models import AccessibilityStatement, BarrierReport

STATEMENT_FIELDS = ("text", "reviewed_on")
# At most this many reports from one sender per hour; more are refused with a German message.
REPORTS_PER_HOUR = 5


class TooManyReports(Exception):
    """The sender has sent REPORTS_PER_HOUR reports within the last hour."""


@atomic
def accessibility_statement_save(*, user, text: str, reviewed_on: dt.date) -> AccessibilityStatement:
    """Write the statement (the one row), recorded as a public change (visitors read it)."""
    if user is not None and not roles.is_coordinator(user):
        raise PermissionDenied
    statement = AccessibilityStatement.objects.select_for_update().filter(pk=1).first()
    before = values.snapshot(statement, STATEMENT_FIELDS) if statement else None
    statement = statement or AccessibilityStatement(pk=1)
    statement.text = text
    statement.reviewed_on = reviewed_on
    statement.full_clean()
    statement.save()
    after = values.snapshot(statement, STATEMENT_FIELDS)
    if before is None:
        record(user=user, kind=ChangeKind.ACCESSIBILITY_STATEMENT_SAVED, record=statement, values=after, public=True)
    elif fields := values.diff(before, after):
        record(user=user, kind=ChangeKind.ACCESSIBILITY_STATEMENT_SAVED, record=statement, fields=fields, public=True)
    return statement


def sender_key(address: str) -> str:
    """A keyed hash of a network address: enough to count one sender's reports, not to recover the address."""
    return keyed_hash(address)


@atomic
def barrier_report_create(*, user, message: str, page: str = "", contact_email: str = "", sender: str = ""):
    """Store a barrier report; after the commit it is mailed to the coordination office (knotenpunkt/reactions.py).

    Raises TooManyReports when the sender has already sent REPORTS_PER_HOUR reports in the last hour.
    """
    since = timezone.now() - dt.timedelta(hours=1)
    if sender and BarrierReport.objects.filter(sender=sender, created_at__gte=since).count() >= REPORTS_PER_HOUR:
        raise TooManyReports
    report = BarrierReport(
        message=message,
        page=page[:500],
        contact_email=contact_email,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        sender=sender,
    )
    report.full_clean()
    report.save()
    # The message and the address stay in the report, readable by the office only; the change says that one came.
    record(
        user=user,
        kind=ChangeKind.BARRIER_REPORTED,
        record=report,
        label=str(report),
        values={"page": report.page},
        audience=Audience.COORDINATION,
    )
    return report
