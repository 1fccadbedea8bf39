"""The periodic scheduler: each task once per period, at its local time, whoever asks."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from knotenpunkt.core import scheduler
from knotenpunkt.core.models import ScheduledRun

pytestmark = pytest.mark.django_db(transaction=True)
BERLIN = ZoneInfo("Europe/Berlin")
PING = "tests.tasks_for_tests.ping"


def at(*args):
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("periodic", "now", "slot"),
    [
        (scheduler.Periodic(PING, "hour", minute=5), at(2026, 3, 1, 10, 4), None),
        (scheduler.Periodic(PING, "hour", minute=5), at(2026, 3, 1, 10, 5), "2026-03-01T10"),
        (scheduler.Periodic(PING, "day", at=dt.time(7)), at(2026, 3, 1, 6, 59), None),
        (scheduler.Periodic(PING, "day", at=dt.time(7)), at(2026, 3, 1, 7, 0), "2026-03-01"),
        # 06:30 UTC is 07:30 in Berlin in winter, 08:30 in summer: the slot follows local time.
        (scheduler.Periodic(PING, "day", at=dt.time(8)), dt.datetime(2026, 1, 15, 6, 30, tzinfo=dt.UTC), None),
        (scheduler.Periodic(PING, "day", at=dt.time(8)), dt.datetime(2026, 7, 15, 6, 30, tzinfo=dt.UTC), "2026-07-15"),
    ],
)
def test_slot_of_a_periodic_task(periodic, now, slot):
    assert periodic.slot(now) == slot


def test_a_due_task_is_enqueued_once_per_slot():
    schedule = (scheduler.Periodic(PING, "hour"),)
    assert scheduler.enqueue_due(at(2026, 3, 1, 10, 0), schedule) == [PING]
    assert scheduler.enqueue_due(at(2026, 3, 1, 10, 30), schedule) == []
    assert scheduler.enqueue_due(at(2026, 3, 1, 11, 0), schedule) == [PING]
    assert ScheduledRun.objects.filter(task=PING).count() == 2
    assert DBTaskResult.objects.filter(task_path=PING).count() == 2


def test_a_task_not_yet_due_is_not_enqueued():
    schedule = (scheduler.Periodic(PING, "day", at=dt.time(7)),)
    assert scheduler.enqueue_due(at(2026, 3, 1, 6, 0), schedule) == []
    assert not ScheduledRun.objects.exists()


def test_the_worker_runs_what_the_scheduler_enqueued(monkeypatch):
    monkeypatch.setattr(scheduler, "SCHEDULE", (scheduler.Periodic(PING, "hour"),))
    call_command("worker", "--batch")
    result = DBTaskResult.objects.get(task_path=PING)
    assert result.status == "SUCCESSFUL"
    assert result.return_value == "pong"


def test_every_scheduled_task_exists():
    for periodic in scheduler.SCHEDULE:
        task = scheduler.import_string(periodic.task)
        assert hasattr(task, "enqueue"), periodic.task
