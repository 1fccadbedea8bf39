from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods


@never_cache
@require_GET
def healthz(request):
    """200 with the database's state if the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"vendor": connection.vendor, "state": "ok"}
        status = 200
    except DatabaseError:
        database = {"vendor": connection.vendor, "state": "unavailable"}
        status = 503
    return JsonResponse({"status": "ok" if status == 200 else "error", "database": database}, status=status)


@require_GET
def robots_txt(request):
    body = "User-agent: *\nDisallow: /admin/\nDisallow: /konto/\nAllow: /\n"
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@require_http_methods(["GET", "POST"])
def switch_language(request):
    """Store the chosen UI language in a cookie and go back.

    GET is accepted on purpose: a language preference changes no data, and a
    form without CSRF token keeps anonymous pages shareable in the page cache.
    """
    params = request.POST if request.method == "POST" else request.GET
    language = params.get("language", "")
    next_url = params.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response
