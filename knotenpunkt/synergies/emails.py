"""Introduction mails: the German text for each side, and the run that sends queued mails through SMTP.

The text is rendered when the introduction is sent and stored on the IntroductionMail row, so the
page shows exactly what went out. A run claims each queued or failed row before sending (the
same conditional update wins only once, so a second run or a second worker never sends a row
twice); a mail that cannot be sent gets its error recorded and is tried again by the next run,
unless the refusal is permanent (an SMTP 5xx answer, an address or header that cannot be sent):
then it is marked rejected and left alone.
A worker that dies between the claim and the SMTP dialogue leaves the row marked sent: a mail
is sent at most once.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from knotenpunkt.synergies import reasons as reason_texts
from knotenpunkt.synergies.models import IntroductionMail, IntroductionMailStatus

logger = logging.getLogger(__name__)
PENDING = (IntroductionMailStatus.QUEUED, IntroductionMailStatus.FAILED)


def reason_sentences(reasons) -> list[str]:
    """The suggestion's reasons that may leave the house (those resting on public data), as sentences.

    Rendered as a visitor would read them: public reasons only, naming published actors and
    public listings only.
    """
    return reason_texts.sentences(None, reasons or [])


def _sender_name(sender) -> str:
    if sender is None:
        return ""
    return sender.get_full_name() or sender.username


def introduction_text(introduction, *, actor, other, sender) -> tuple[str, str]:
    """Subject and plain-text body of the mail to `actor` about `other` (German)."""
    with translation.override("de"):
        context = {
            "actor": actor,
            "other": other,
            "note": introduction.note,
            "reasons": reason_sentences(introduction.reasons),
            "other_public": other.published,
            "sender_name": _sender_name(sender),
            "sender_email": getattr(sender, "email", "") or "",
            "site_url": settings.SITE_URL,
            "other_url": f"{settings.SITE_URL}{other.get_absolute_url()}" if other.published else "",
        }
        subject = _("Vorstellung: %(actor)s und %(other)s") % {"actor": actor.name, "other": other.name}
        body = render_to_string("synergies/introductions/email/introduction.txt", context)
    return subject[:200], body


def _message(mail: IntroductionMail, connection) -> EmailMessage:
    return EmailMessage(
        subject=mail.subject,
        body=mail.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.recipient],
        reply_to=[mail.reply_to] if mail.reply_to else None,
        connection=connection,
    )


def is_permanent(exc: Exception) -> bool:
    """Will sending this mail fail again, however often it is tried? (SMTP 5xx; an unusable address or header.)"""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):  # the receiving side refuses this address
        return bool(exc.recipients) and all(code >= 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):  # the message itself refused
        return exc.smtp_code >= 500
    # Our own side's faults (login refused, sender refused, no connection) are not the mail's: tried again.
    if isinstance(exc, smtplib.SMTPException):
        return False
    return isinstance(exc, (ValueError, UnicodeError))  # BadHeaderError, an address that is no address


def send_introduction_mails() -> dict:
    """Send every queued mail and retry the failed ones; returns counts {"sent", "failed", "rejected", "skipped"}."""
    counts = {"sent": 0, "failed": 0, "rejected": 0, "skipped": 0}
    pending = list(IntroductionMail.objects.filter(status__in=PENDING).order_by("pk"))
    if not pending:
        return counts
    connection = get_connection()
    try:
        for mail in pending:
            claimed = IntroductionMail.objects.filter(pk=mail.pk, status=mail.status).update(
                status=IntroductionMailStatus.SENT, sent_at=timezone.now(), error=""
            )
            if not claimed:
                counts["skipped"] += 1  # another run got there first
                continue
            try:
                _message(mail, connection).send()
            except Exception as exc:
                logger.exception("Vermittlungs-Mail %s an %s konnte nicht verschickt werden", mail.pk, mail.recipient)
                permanent = is_permanent(exc)
                IntroductionMail.objects.filter(pk=mail.pk).update(
                    status=IntroductionMailStatus.REJECTED if permanent else IntroductionMailStatus.FAILED,
                    sent_at=None,
                    error=f"{type(exc).__name__}: {exc}"[:2000],
                )
                connection.close()
                counts["rejected" if permanent else "failed"] += 1
                continue
            counts["sent"] += 1
    finally:
        connection.close()
    return counts
