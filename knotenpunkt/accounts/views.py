"""Logging in (password, then a code when two-factor login is on), the lockout after too many wrong
passwords (django-axes), "Mein Konto", changing and resetting one's password."""

from __future__ import annotations

import time

from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxLengthValidator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from knotenpunkt.accounts import services, two_factor

# The password step is valid this long for the code step (seconds).
PENDING_SECONDS = 300
PENDING = "kp_login_pending"


def client_ip(request) -> str | None:
    """The client's address for the login throttle: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies
    the address the outermost trusted proxy saw (X-Forwarded-For, counted from the right)."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count > 0 and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out username and address: the login page with the reason (429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/login.html",
        {
            "form": auth_views.AuthenticationForm(request),
            "locked_out": True,
            "cooloff_minutes": minutes,
            "next": _safe_next(request, request.POST.get("next") or request.GET.get("next")),
        },
        status=429,
    )


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


class LoginForm(AuthenticationForm):
    """Django's login form, which refuses a user name longer than any account's before checking it:
    Django sets the field's max_length without its validator, and django-axes stores every attempted
    name in 255 characters (PostgreSQL refused a longer one with a 500)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginView(auth_views.LoginView):
    """Django's login; a user with two-factor login on is not logged in yet but asked for a code."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.device_of(user) is None:
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_redirect_url(),
            "at": time.time(),
        }
        return redirect("accounts:login_code")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code aus der Authenticator-App"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=gettext_lazy("Sechs Ziffern, alle 30 Sekunden neu."),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not two_factor.CODE.fullmatch(code):
            raise forms.ValidationError(_("Bitte die sechs Ziffern aus der App eingeben."))
        return code


def _check_device_code(form: CodeForm, device) -> bool:
    """Whether the form's code is the device's current one (django-otp: each step once, and after a
    wrong code a wait that doubles with each further one); adds the German error if not."""
    if not device.verify_is_allowed()[0]:
        form.add_error(
            "code", _("Zu viele falsche Codes. Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal.")
        )
        return False
    if device.verify_token(form.cleaned_data["code"]):
        return True
    form.add_error("code", _("Der Code stimmt nicht oder ist abgelaufen. Bitte den aktuellen Code eingeben."))
    return False


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None, None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    """The second step of a two-factor login: the current code of the user's authenticator app."""
    user, pending = _pending_user(request)
    device = two_factor.device_of(user) if user else None
    if device is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Bitte melden Sie sich erneut an."))
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_device_code(form, device):
        del request.session[PENDING]
        auth_login(request, user, backend=pending["backend"])
        otp_login(request, device)
        return redirect(_safe_next(request, pending.get("next")) or settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/login_code.html", {"form": form})


@login_required
@require_http_methods(["GET"])
def account(request):
    """Mein Konto: who is logged in, with which role; changing the password; two-factor login."""
    return render(request, "accounts/account.html", _account_context(request))


def _account_context(request) -> dict:
    return {
        "role_label": request.user.get_role_display(),
        "may_use_two_factor": two_factor.may_set_up(request.user),
        "two_factor_device": two_factor.device_of(request.user),
        "disable_form": CodeForm(),
    }


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Ihr Passwort ist geändert."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """A reset link by mail to the active accounts with that address. The link is built from
    settings.SITE_URL (the address people reach the app at), not from the request's Host header."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        try:
            allowed = services.password_reset_allowed(email=form.cleaned_data["email"], sender=client_ip(self.request))
        except services.TooManyResetRequests:
            form.add_error(
                None,
                _(
                    "Von Ihrem Anschluss kamen in der letzten Stunde schon viele Anfragen. Bitte versuchen Sie es "
                    "in einer Stunde noch einmal, oder wenden Sie sich an die Koordinierungsstelle."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not allowed:  # the address had its mails for this hour: the same answer, no further mail
            return HttpResponseRedirect(self.get_success_url())
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting the new password from the mailed link; it also lifts a login lockout of the account."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=self.user.get_username())
        return response


# --- two-factor login ------------------------------------------------------------------------

SETUP_KEY = "kp_totp_setup"


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Set up two-factor login: a QR code and the secret to type, confirmed with a first code. The
    secret stays in the session until then."""
    if not two_factor.may_set_up(request.user):
        raise PermissionDenied(_("Die Zwei-Faktor-Anmeldung ist für die Koordinierungsstelle vorgesehen."))
    if two_factor.device_of(request.user) is not None:
        messages.info(request, _("Die Zwei-Faktor-Anmeldung ist bereits eingerichtet."))
        return redirect("accounts:account")
    key = request.session.get(SETUP_KEY)
    if not isinstance(key, str) or len(key) != 40:
        key = request.session[SETUP_KEY] = two_factor.new_secret()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = two_factor.matched_step(key, form.cleaned_data["code"])
        if step is not None:
            device = two_factor.two_factor_enable(user=request.user, key=key, step=step)
            del request.session[SETUP_KEY]
            otp_login(request, device)
            messages.success(
                request, _("Die Zwei-Faktor-Anmeldung ist eingerichtet. Ab jetzt fragt die Anmeldung nach einem Code.")
            )
            return redirect("accounts:account")
        form.add_error("code", _("Der Code stimmt nicht. Bitte den aktuellen Code aus der App eingeben."))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(
                two_factor.config_url(request.user, key), _("QR-Code für die Authenticator-App")
            ),
            "secret": two_factor.secret_for_typing(key),
            "issuer": two_factor.issuer(),
        },
    )


@login_required
@require_POST
def two_factor_disable(request):
    """Switch two-factor login off: only with a current code (a lost phone: IT runs
    `manage.py two_factor_reset`)."""
    device = two_factor.device_of(request.user)
    if device is None:
        return redirect("accounts:account")
    form = CodeForm(request.POST)
    if form.is_valid() and _check_device_code(form, device):
        two_factor.two_factor_disable(user=request.user, target=request.user)
        messages.success(request, _("Die Zwei-Faktor-Anmeldung ist abgeschaltet."))
        return redirect("accounts:account")
    context = _account_context(request)
    context["disable_form"] = form
    return render(request, "accounts/account.html", context, status=422)
