"""Log filters. `RedactFeedTokens` keeps the secret of personal calendar feeds out of the logs;
`OneLineClientErrors` logs a refused or missing page (4xx) as one line, without a traceback.

A personal feed's address (/kalender/abo/<token>.ics) is the only credential its
subscriber needs, so request lines, 404 warnings and access-log lines show it as
/kalender/abo/….ics. Wired in settings.LOGGING for django.server and django.request,
and in gunicorn.conf.py for gunicorn.access.
"""

from __future__ import annotations

import logging
import re

FEED_TOKEN = re.compile(r"(/kalender/abo/)[^/\s\"'?#&]+?(\.ics)?(?=[/\s\"'?#&]|$)")
REDACTED = "…"


def redact(text: str) -> str:
    """`text` with every personal feed token replaced by "…"."""
    if "/kalender/abo/" not in text:
        return text
    return FEED_TOKEN.sub(lambda m: m.group(1) + REDACTED + (m.group(2) or ""), text)


def _redact_value(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | type(None)):
        return value
    text = str(value)
    return redact(text) if FEED_TOKEN.search(text) else value


class RedactFeedTokens(logging.Filter):
    """Rewrites the message and its arguments; drops the request from records about a feed URL
    (an error mail would otherwise print its path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_redact_value(a) for a in args)
        elif isinstance(args, dict):
            for key, value in list(args.items()):
                new = _redact_value(value)
                if new is not value:
                    args[key] = new
        request = getattr(record, "request", None)
        if request is not None and FEED_TOKEN.search(str(getattr(request, "path", "") or "")):
            record.request = None
        return True


def install_gunicorn_filter() -> None:
    """Attach the filter to gunicorn's access log (called from gunicorn.conf.py)."""
    logger = logging.getLogger("gunicorn.access")
    if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
        logger.addFilter(RedactFeedTokens())


def _escaped(text: str) -> str:
    # As Django's log_response does: no line breaks or control characters from a request in a log line.
    return text.encode("unicode_escape").decode("ascii")


class OneLineClientErrors(logging.Filter):
    """A 4xx response (403 refused, 404 missing, …) as one line: status, method, path and who asked —
    the user's id and role, never a name — without the traceback and the exception's text that
    Django logs with a PermissionDenied. Wired in settings.LOGGING for django.request."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or not 400 <= status < 500:
            return True
        request = getattr(record, "request", None)
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.msg = "%s %s %s %s"
        record.args = (
            status,
            _escaped(str(getattr(request, "method", "") or "-")),
            _escaped(str(getattr(request, "path", "") or "-")),
            _who(request),
        )
        return True


def _who(request) -> str:
    user = getattr(request, "user", None)
    try:
        if user is None or not user.is_authenticated:
            return "anonym"
        return f"user={user.pk} role={getattr(user, 'role', '') or '-'}"
    except Exception:  # a broken session must not turn a log line into an error
        return "-"
