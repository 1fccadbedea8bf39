"""Keyed hashes: enough to count what one sender or one address did, not to recover either."""

import hashlib
import hmac

from django.conf import settings


def keyed_hash(text: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), (text or "").encode(), hashlib.sha256).hexdigest()
