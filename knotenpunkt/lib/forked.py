"""Running a function in a forked copy of this process, to use a second core for CPU-bound Python."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import traceback


class Forked:
    """function(*args) in a forked copy of this process, started at once; `result()` waits for
    its (pickled) result or raises its error. The copy shares nothing it could disturb: it never
    touches the database connections it inherits and leaves by os._exit (no clean-up of them)."""

    def __init__(self, function, *args, label: str = "Die Berechnung"):
        self.label = label
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the copy
            status = 0
            try:
                os.close(read)
                try:
                    payload = pickle.dumps((True, function(*args)), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException as error:  # handed to the parent
                    payload = pickle.dumps((False, "".join(traceback.format_exception(error))))
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(payload)
            except BaseException:  # nobody left to tell
                status = 1
            finally:
                os._exit(status)
        os.close(write)
        self._read = read

    def cancel(self) -> None:
        """Stop the copy and let it go (its result is not wanted)."""
        os.close(self._read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)

    def result(self):
        with os.fdopen(self._read, "rb") as pipe:
            payload = pipe.read()
        _pid, status = os.waitpid(self.pid, 0)
        if not payload:
            raise RuntimeError(f"{self.label} im zweiten Prozess brach ab (Status {status}).")
        ok, value = pickle.loads(payload)  # noqa: S301 - our own child's bytes
        if not ok:
            raise RuntimeError(f"{self.label} im zweiten Prozess schlug fehl:\n{value}")
        return value
