"""Background tasks of the data-protection tools (Django tasks API)."""

from django_tasks import task

from knotenpunkt.privacy import erasure, retention


@task()
def check_retention() -> dict:
    """Nightly: list what the retention rules find (nothing is deleted); keep the erasure log file
    complete, and erase again anyone it names who is back (a restore interrupted before its replay)."""
    run = retention.check()
    added = erasure.sync_log_file()
    return {"found": run.found, "erasure_log_lines_added": added, "erased_again": erasure.replay()}
