"""Sessions and two-factor login."""

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

from knotenpunkt.accounts import roles, two_factor


class TwoFactorSessionMiddleware:
    """Ends a coordinator's session that no code verified while two-factor login is on for the account:
    one from before it was switched on, or one taken over with the password alone. The next request
    goes to the login, which asks for the code. (Only coordinators can switch two-factor login on.)

    Verified sessions are told apart without a query (django-otp keeps the device in the session);
    an unverified coordinator's session costs one look for a device per request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and roles.is_coordinator(user)
            and not user.is_verified()
            and two_factor.device_of(user) is not None
        ):
            logout(request)
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
