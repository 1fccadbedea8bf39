"""Background tasks of the contact log (Django tasks API; run by `manage.py db_worker`)."""

from django_tasks import task

from knotenpunkt.interactions import emails


@task()
def send_followup_reminders() -> dict:
    """Daily: mail everyone their due and overdue follow-ups (at most once per user and day)."""
    return emails.send_followup_reminders()
