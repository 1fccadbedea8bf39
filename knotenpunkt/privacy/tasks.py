"""Background tasks of the data-protection tools (Django tasks API)."""

from django_tasks import task

from knotenpunkt.privacy import erasure, retention


@task()
def check_retention() -> dict:
    """Nightly: list what the retention rules find (nothing is deleted), and sync the erasure log file."""
    run = retention.check()
    return {"found": run.found, "erasure_log_lines_added": erasure.sync_log_file()}
