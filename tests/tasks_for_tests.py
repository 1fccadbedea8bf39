"""A task for testing the queue itself."""

from django_tasks import task


@task()
def ping():
    return "pong"


@task()
def mark(path: str, n: int) -> int:
    """Append "n pid" to a file: which worker process ran which task (tests/test_two_app_servers.py)."""
    import os
    import time

    time.sleep(0.05)
    with open(path, "a", encoding="utf-8") as out:
        out.write(f"{n} {os.getpid()}\n")
    return n
