"""Whole-page cache for anonymous visitors of the public directory and profiles.

Anonymous visitors all see the same public content, so their pages can be
shared. The cache key holds the content generation (core.ContentGeneration),
which every service that changes public content raises inside its own
transaction (`bump_content_generation`). One cheap query per request reads it,
so no worker serves a page older than the last committed change — an
unpublished actor disappears for everybody with the commit that unpublished it.

Not cached: logged-in users, pending flash messages, anything but a 200
HTML response, responses that set cookies.

Views answer htmx requests differently (a partial for a plain htmx request, the
full page for a boosted link or a history restore), so the key holds every htmx
header a view branches on (`VARIANT_HEADERS`, also sent as `Vary`); a test
fails when a view starts to branch on another one.
"""

import hashlib
from functools import wraps

from django.contrib import messages
from django.core.cache import caches
from django.db.models import F
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from knotenpunkt.core.models import ContentGeneration

CACHE_ALIAS = "pages"
TIMEOUT = 600
# The request headers views choose their variant by (request.htmx, .boosted, .history_restore_request).
VARIANT_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def bump_content_generation() -> None:
    """Mark all cached public pages stale. Call inside the transaction of the change."""
    updated = ContentGeneration.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        ContentGeneration.objects.get_or_create(pk=1, defaults={"value": 1})


def _generation() -> int:
    value = ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return value or 0


def _key(request, generation: int) -> str:
    query = "&".join(sorted(request.GET.urlencode().split("&")))
    raw = "|".join(
        [
            str(generation),
            getattr(request, "LANGUAGE_CODE", ""),
            # As django-htmx reads them: a header counts when it is "true".
            "".join("1" if request.headers.get(name) == "true" else "0" for name in VARIANT_HEADERS),
            request.path,
            query,
        ]
    )
    return "page:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def cache_public_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "GET" or request.user.is_authenticated or len(messages.get_messages(request)):
            return view(request, *args, **kwargs)
        cache = caches[CACHE_ALIAS]
        key = _key(request, _generation())
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                cache.set(key, (response.content, response["Content-Type"]), TIMEOUT)
            response["X-Page-Cache"] = "miss"
        patch_vary_headers(response, ("Cookie", *VARIANT_HEADERS))
        return response

    return wrapped
