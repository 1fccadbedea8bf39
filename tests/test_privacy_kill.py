"""kill -9 during an erasure or while confirming retention findings leaves nothing half done.

A worker process (tests/privacy_kill_worker.py) fills a fresh scratch database with a person named
in 3,000 contacts and their history, then erases them (or deletes the 3,000 contacts a retention
rule found). It is killed at several moments after it starts; each time the database must show
all of the work or none of it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from tests.privacy_kill_worker import CONTACTS, LAST_NAME
from tests.scratch_databases import POSTGRES, Target

ROOT = Path(__file__).resolve().parent.parent
KILL_DELAYS = [0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.6, 1.0]


def _run(target: Target, step: str, log: Path, wait=True):
    environment = {**os.environ, "DATABASE_URL": target.url, "KNOTENPUNKT_ERASURE_LOG": str(log)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.privacy_kill_worker", step],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if wait:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
    return process


def _migrated_and_filled(target: Target, log: Path) -> None:
    environment = {**os.environ, "DATABASE_URL": target.url}
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    _run(target, "setup", log)


def _scalar(target: Target, sql: str, params=()):
    connection = connections[target.alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        value = cursor.fetchone()[0]
    connection.close()
    return value


def _kill_after(process: subprocess.Popen, delay: float) -> bool:
    assert process.stdout.readline().strip() == "started"
    time.sleep(delay)
    running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return running


@pytest.fixture
def template(new_target, tmp_path):
    """One migrated database holding the person and their contacts; each kill gets a copy."""
    target = new_target()
    _migrated_and_filled(target, tmp_path / "erasure-log.jsonl")
    connections[target.alias].close()
    return target


def _copy(template: Target, new_target) -> Target:
    target = new_target()
    if POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{target.name}"')
            cursor.execute(f'CREATE DATABASE "{target.name}" TEMPLATE "{template.name}"')
    else:
        connections[target.alias].close()
        shutil.copyfile(template.name, target.name)
    return target


def _erasure_state(target: Target) -> str:
    named = _scalar(target, "SELECT count(*) FROM interactions_interaction WHERE summary LIKE %s", [f"%{LAST_NAME}%"])
    data = "data::text" if POSTGRES else "data"
    in_history = _scalar(
        target,
        f"SELECT count(*) FROM changes_change WHERE {data} LIKE %s",  # noqa: S608 (a column, no input)
        [f"%{LAST_NAME}%"],
    )
    person = _scalar(target, "SELECT count(*) FROM actors_person WHERE last_name = %s", [LAST_NAME])
    erased = _scalar(target, "SELECT count(*) FROM actors_person WHERE erased_at IS NOT NULL")
    logged = _scalar(target, "SELECT count(*) FROM privacy_erasurelogentry")
    if (named, in_history, person, erased, logged) == (CONTACTS, CONTACTS, 1, 0, 0):
        return "untouched"
    if (named, in_history, person, erased, logged) == (0, 0, 0, 1, 1):
        return "erased"
    return f"half done: {named=} {in_history=} {person=} {erased=} {logged=}"


def test_kill_9_during_an_erasure_leaves_the_person_whole_or_erased(template, new_target, tmp_path):
    assert _erasure_state(template) == "untouched"
    outcomes, killed_while_running = [], 0
    for delay in KILL_DELAYS:
        target = _copy(template, new_target)
        log = tmp_path / f"log-{len(outcomes)}.jsonl"
        killed_while_running += _kill_after(_run(target, "erase", log, wait=False), delay)
        state = _erasure_state(target)
        assert state in ("untouched", "erased"), f"after kill at +{delay} s: {state}"
        outcomes.append(state)
        if state == "untouched":
            assert not log.exists() or log.read_text() == ""
        target.drop()
    assert killed_while_running >= len(KILL_DELAYS) // 2, outcomes
    assert "untouched" in outcomes, outcomes


def _retention_state(target: Target) -> str:
    contacts = _scalar(target, "SELECT count(*) FROM interactions_interaction")
    open_findings = _scalar(target, "SELECT count(*) FROM privacy_retentioncandidate WHERE decision = ''")
    deleted = _scalar(target, "SELECT count(*) FROM privacy_retentioncandidate WHERE decision = 'deleted'")
    if (contacts, open_findings, deleted) == (CONTACTS, CONTACTS, 0):
        return "untouched"
    if (contacts, open_findings, deleted) == (0, 0, CONTACTS):
        return "done"
    return f"half done: {contacts=} {open_findings=} {deleted=}"


def test_kill_9_while_confirming_retention_findings_deletes_all_or_nothing(template, new_target, tmp_path):
    assert _retention_state(template) == "untouched"
    outcomes, killed_while_running = [], 0
    for delay in KILL_DELAYS[::2]:
        target = _copy(template, new_target)
        log = tmp_path / f"log-{len(outcomes)}.jsonl"
        killed_while_running += _kill_after(_run(target, "retention", log, wait=False), delay)
        state = _retention_state(target)
        assert state in ("untouched", "done"), f"after kill at +{delay} s: {state}"
        outcomes.append(state)
        target.drop()
    assert killed_while_running >= len(KILL_DELAYS[::2]) // 2, outcomes
