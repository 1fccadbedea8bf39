"""`manage.py worker`: run background tasks and enqueue the periodic ones.

The database worker of django-tasks (`db_worker`) runs in this process's main thread;
a daemon thread calls core.scheduler.enqueue_due() every `--schedule-interval` seconds.
Run one or more of these next to the web server (see docs/deploy.md): each task is claimed by one
worker only (a row lock, SKIP LOCKED on PostgreSQL). A database error outside a task (the database
locked or gone) does not end the worker: it waits, a little longer each time, and starts again.
A task's own failure is recorded on the task, and the worker goes on.
"""

import logging
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connections

from knotenpunkt.core import scheduler

logger = logging.getLogger(__name__)
# Restarts after database errors in a row before a --batch run gives up (a long-running worker never does).
BATCH_RESTARTS = 5


class Command(BaseCommand):
    help = "Führt Hintergrundaufgaben aus und plant die regelmäßigen ein."

    def add_arguments(self, parser):
        parser.add_argument("--schedule-interval", type=float, default=30.0)
        parser.add_argument("--no-schedule", action="store_true", help="Nur Aufgaben ausführen, nichts einplanen.")
        parser.add_argument("--batch", action="store_true", help="Offene Aufgaben abarbeiten, dann beenden.")

    def handle(self, *args, schedule_interval, no_schedule, batch, **options):
        stop = threading.Event()
        if not no_schedule:
            if batch:
                scheduler.enqueue_due()
            else:
                threading.Thread(target=self._schedule_loop, args=(stop, schedule_interval), daemon=True).start()
        worker_args = ["--no-startup-delay", "--interval", "2"]
        if batch:
            worker_args.append("--batch")
        failures = 0
        try:
            while True:
                try:
                    call_command("db_worker", *worker_args)
                    return
                except DatabaseError:
                    failures += 1
                    if batch and failures >= BATCH_RESTARTS:
                        raise
                    logger.exception("worker: database error, starting again (%d in a row)", failures)
                    connections.close_all()
                    time.sleep(min(60, 2**failures))
        finally:
            stop.set()

    def _schedule_loop(self, stop: threading.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                close_old_connections()
                scheduler.enqueue_due()
            except Exception:  # keep scheduling; the error is logged, the next round retries
                logger.exception("scheduler round failed")
            finally:
                connections.close_all()
            stop.wait(interval)
