"""Peak memory of a benchmark child process.

`getrusage(RUSAGE_SELF).ru_maxrss` is not the child's own peak: Linux folds the peak of the
address space that `exec` replaces into it, and subprocess starts children by vfork, whose address
space is the parent's. A bench parent that just generated the data set (~700 MB) made every child
report ~700 MB. The kernel's high-water mark of the current address space (`VmHWM`) starts afresh
at `exec`; it is read where /proc exists, ru_maxrss elsewhere.
"""

from __future__ import annotations

import os
import resource
import threading


def own_peak_mb() -> float:
    """Peak resident memory of this process's own address space, in MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def children_peak_mb() -> float:
    """The largest peak among this process's finished children (forked workers), in MB."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                found.extend(int(c) for c in children.read().split())
    except OSError:
        pass
    return found


class TreeSampler:
    """The peak of the proportional memory (PSS: shared pages split between the processes sharing
    them) of this process and its children together, sampled every `interval` seconds in a thread:
    what a forked helper adds to the run's memory, counted once. Linux only (0 elsewhere).

    with TreeSampler() as tree: …; tree.peak_mb"""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            total = _pss_kb(me) + sum(_pss_kb(child) for child in _children(me))
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)
