"""Peak memory of a benchmark child process.

`getrusage(RUSAGE_SELF).ru_maxrss` is not the child's own peak: Linux folds the peak of the
address space that `exec` replaces into it, and subprocess starts children by vfork, whose address
space is the parent's. A bench parent that just generated the data set (~700 MB) made every child
report ~700 MB. The kernel's high-water mark of the current address space (`VmHWM`) starts afresh
at `exec`; it is read where /proc exists, ru_maxrss elsewhere.
"""

from __future__ import annotations

import resource


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
