"""Security headers on every response: the Content-Security-Policy (no inline script, no eval), the
Permissions-Policy, and `Cache-Control: private, no-store` on everything a logged-in user is sent.
The browser side of the CSP (no violation on any main page) is tests/browser/test_security_headers.py."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.activities import services as activity_services

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def _public_activity():
    start = timezone.now() + dt.timedelta(days=3)
    return activity_services.activity_create(
        user=None, data={"title": "Eine-Welt-Forum", "start": start, "end": start, "public": True}
    )


@pytest.mark.parametrize("logged_in", [False, True])
def test_every_page_sends_a_policy_that_allows_scripts_from_our_files_only(client, coordinator, logged_in):
    if logged_in:
        client.force_login(coordinator)
    directives = _directives(client.get(reverse("actors:directory")))

    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["style-src"] == directives["style-src-elem"] == ["'self'"]
    assert directives["style-src-attr"] == ["'unsafe-inline'"]  # style attributes only, see decisions.md


def test_errors_and_downloads_carry_the_policy_too(client):
    for response in (client.get("/gibt-es-nicht/"), client.get(reverse("activities:feed"))):
        assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_permissions_policy_switches_off_camera_microphone_and_location(client):
    policy = client.get(reverse("pages:home"))["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy


def test_no_template_or_script_of_ours_has_inline_script_handlers_or_eval():
    """What the policy refuses must not be in the code: inline <script>, on…= and hx-on handlers,
    javascript: addresses, eval and new Function."""
    offending = []
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "knotenpunkt").rglob("templates/**/*.html")]:
        text = path.read_text(encoding="utf-8")
        for needle in ("hx-on", " onclick=", " onchange=", " onsubmit=", " onload=", " oninput=", "javascript:"):
            if needle in text:
                offending.append(f"{path.relative_to(ROOT)}: {needle.strip()}")
        for line in text.splitlines():
            if "<script" in line and "src=" not in line and "json_script" not in line:
                offending.append(f"{path.relative_to(ROOT)}: inline <script>")
    for path in (ROOT / "knotenpunkt").rglob("*.py"):
        if '"js:' in path.read_text(encoding="utf-8"):
            offending.append(f"{path.relative_to(ROOT)}: js: value for htmx")
    for path in (ROOT / "static" / "js").glob("*.js"):
        text = path.read_text(encoding="utf-8")
        for needle in ("eval(", "new Function", "innerHTML = '<script"):
            if needle in text:
                offending.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offending == []


def test_a_participant_rows_typed_name_reaches_the_suggestions_without_a_js_value(client, actor_a):
    """The participant input's htmx request names its own field instead of evaluating `this.value`."""
    url = reverse("actors:autocomplete")
    found = client.get(url, {"field": "participants-0-actor", "participants-0-actor": "Förderkreis"})
    assert actor_a.name in found.content.decode()
    ignored = client.get(url, {"field": "csrfmiddlewaretoken", "csrfmiddlewaretoken": "Förderkreis"})
    assert actor_a.name not in ignored.content.decode()


def test_htmx_may_not_evaluate_code():
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert '"allowEval": false' in base


# --- Cache-Control ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        lambda w: reverse("pages:home"),
        lambda w: reverse("actors:directory"),
        lambda w: w["actor"].get_absolute_url(),
        lambda w: reverse("interactions:dashboard"),
        lambda w: reverse("activities:feed"),
        lambda w: reverse("activities:activity_ics", kwargs={"pk": w["activity"].pk}),
        lambda w: reverse("network:map"),
        lambda w: "/gibt-es-nicht/",
    ],
    ids=["home", "directory", "profile", "dashboard", "public-feed", "activity-ics", "map", "404"],
)
def test_every_response_to_a_logged_in_user_is_private_and_not_stored(client, coordinator, actor_a, address):
    world = {"actor": actor_a, "activity": _public_activity()}
    client.force_login(coordinator)
    response = client.get(address(world))
    assert response["Cache-Control"] == "private, no-store"


def test_htmx_partials_and_refusals_for_logged_in_users_are_not_stored_either(client, editor_a):
    client.force_login(editor_a)
    partial = client.get(reverse("actors:directory"), HTTP_HX_REQUEST="true")
    refused = client.get(reverse("history:feed"))
    assert refused.status_code == 403
    assert partial["Cache-Control"] == refused["Cache-Control"] == "private, no-store"


def test_anonymous_public_pages_keep_their_caching(client, actor_a):
    activity = _public_activity()
    assert client.get(reverse("activities:feed"))["Cache-Control"] == "public, max-age=900"
    ics = client.get(reverse("activities:activity_ics", kwargs={"pk": activity.pk}))
    assert ics["Cache-Control"] == "public, max-age=300"
    assert "no-store" not in client.get(actor_a.get_absolute_url()).get("Cache-Control", "")
