"""A gunicorn server for the benchmark and wrk runs against it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WRK_SCRIPT = Path(__file__).with_name("report.lua")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 10.0) -> tuple[int, int]:
    """Status and body size of a GET (errors as their status, 0 if there is no answer)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, 0
    except (urllib.error.URLError, OSError):
        return 0, 0


@contextmanager
def gunicorn(*, root: Path, env: dict, port: int, workers: int, log_path: Path, start_timeout: float = 30.0):
    """Run `gunicorn knotenpunkt.wsgi` until the block ends; always stopped, also on errors and Ctrl-C."""
    executable = Path(os.environ.get("VIRTUAL_ENV", root / ".venv")) / "bin" / "gunicorn"
    if not executable.exists():
        executable = root / ".venv" / "bin" / "gunicorn"
    command = [str(executable), "knotenpunkt.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "--timeout", "30"]
    with log_path.open("w", encoding="utf-8") as log:
        # Own session: the master and its workers form one process group that can be stopped as a whole.
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + start_timeout
            while fetch(base + "/robots.txt", timeout=2)[0] != 200:
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn ist beendet (Code {process.returncode}), siehe {log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn antwortet nicht nach {start_timeout:.0f} s, siehe {log_path}")
                time.sleep(0.3)
            yield base
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    errors: dict

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def wrk(base: str, paths: list[str], *, duration: int, connections: int, threads: int) -> WrkResult:
    """Load `paths` (in rotation) for `duration` seconds; latencies from wrk's own histogram."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s"]
    command += ["--latency", "-s", str(WRK_SCRIPT), base, "--", *paths]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
    line = next((x for x in completed.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk ist gescheitert: {completed.stderr.strip() or completed.stdout.strip()}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = data["duration_us"] / 1e6
    lat = {key: value / 1000 for key, value in data["latency_us"].items()}
    return WrkResult(
        requests=data["requests"],
        seconds=round(seconds, 2),
        rps=round(data["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=lat["p50"],
        p90_ms=lat["p90"],
        p95_ms=lat["p95"],
        p99_ms=lat["p99"],
        max_ms=lat["max"],
        mean_ms=round(lat["mean"], 2),
        errors=data["errors"],
    )
