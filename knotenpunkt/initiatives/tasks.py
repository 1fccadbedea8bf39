"""Background tasks of the initiatives app (Django tasks API; run by `manage.py worker`)."""

from django_tasks import task

from knotenpunkt.initiatives import council_papers


@task()
def refresh_council_papers() -> dict:
    """Nightly: every linked council paper read again from the council information system (OParl)."""
    return council_papers.refresh_all()
