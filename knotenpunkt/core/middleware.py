from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """German unless the visitor picked another language with the switch.

    Unlike Django's LocaleMiddleware this ignores Accept-Language on purpose:
    the product is German first, and an English browser should not silently
    change what city staff see. The switch stores the choice in a cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class PrivateResponseMiddleware:
    """Every response to a logged-in user may show internal data: no cache may keep it
    (`Cache-Control: private, no-store`, replacing what a view set). Anonymous responses keep their own
    caching. Also sends the Permissions-Policy (settings.PERMISSIONS_POLICY) on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
