"""Background tasks of the pages (Django tasks API; run by `manage.py db_worker`)."""

from django_tasks import task

from knotenpunkt.pages import emails


@task()
def send_barrier_report(report_id: int) -> bool:
    """Mail a new barrier report to the coordination office."""
    return emails.send_barrier_report(report_id)
