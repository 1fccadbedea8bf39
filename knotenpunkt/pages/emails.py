"""The mail that brings a barrier report to the coordination office."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from knotenpunkt.accounts.models import Role, User
from knotenpunkt.lib.text import one_line
from knotenpunkt.pages.models import BarrierReport


def office_addresses() -> list[str]:
    """KNOTENPUNKT_OFFICE_EMAIL if set, otherwise every active coordinator with an address."""
    if settings.KNOTENPUNKT_OFFICE_EMAIL:
        return [settings.KNOTENPUNKT_OFFICE_EMAIL]
    users = User.objects.filter(role=Role.COORDINATOR, is_active=True).exclude(email="").order_by("pk")
    return list(users.values_list("email", flat=True))


def send_barrier_report(report_id: int) -> bool:
    """Mail the report to the office once; True when it was sent now."""
    report = BarrierReport.objects.filter(pk=report_id, mailed_at__isnull=True).first()
    recipients = office_addresses()
    if report is None or not recipients:
        return False
    with override("de"):
        subject = _("Barriere gemeldet: %(page)s") % {"page": one_line(report.page) or _("ohne Seitenangabe")}
        body = render_to_string("pages/email/barrier_report.txt", {"report": report, "site_url": settings.SITE_URL})
    EmailMessage(
        subject=subject[:200],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=[report.contact_email] if report.contact_email else None,
        connection=get_connection(),
    ).send()
    BarrierReport.objects.filter(pk=report.pk).update(mailed_at=timezone.now())
    return True
