"""The guarded GET every request to another server goes through (lib/outbound.py): calendar feeds
and council information systems. A local server plays the slow, the big and the odd ones."""

import contextlib
import time

import pytest

from knotenpunkt.lib import outbound
from tests.feed_server import FeedServer

HEADERS = {"Accept": "*/*", "User-Agent": "Knotenpunkt-Test"}


def _get(url, *, limit=1024, timeout=2.0, allow_private=True):
    return outbound.get(url, headers=HEADERS, limit=limit, timeout=timeout, allow_private=allow_private)


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1",
        "127.0.0.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "::1",
        "fe80::1",
        "fc00::1",
        "fec0::1",  # site-local
        "::ffff:10.0.0.1",  # IPv4-mapped
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "ff02::1",
        "224.0.0.1",
    ],
)
def test_every_internal_address_form_is_refused(ip):
    assert not outbound.allowed_address(ip, allow_private=False)


@pytest.mark.parametrize("ip", ["8.8.8.8", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"])
def test_public_addresses_are_allowed_in_every_form(ip):
    assert outbound.allowed_address(ip, allow_private=False)


def test_a_server_that_trickles_bytes_is_cut_off_at_the_deadline():
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.end_headers()
        try:
            for _ in range(40):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    with FeedServer() as server:
        server.serve_with("/langsam", trickle)
        started = time.monotonic()
        with pytest.raises(outbound.OutboundError) as refused:
            _get(server.url("/langsam"), timeout=1.0)
        elapsed = time.monotonic() - started
    assert refused.value.kind == "timeout"
    assert elapsed < 2.5, elapsed  # the whole answer's deadline, not one read's


def test_a_declared_or_actual_size_over_the_limit_is_refused():
    with FeedServer() as server:
        server.serve("/gross", b"x" * 5000, content_type="text/plain")
        with pytest.raises(outbound.OutboundError) as refused:
            _get(server.url("/gross"), limit=1000)
    assert refused.value.kind == "too_big"


def test_an_odd_content_length_is_no_crash():
    def odd(handler):
        body = b"hallo"
        handler.send_response(200)
        handler.send_header("Content-Length", "²")
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True

    with FeedServer() as server:
        server.serve_with("/seltsam", odd)
        try:
            response = _get(server.url("/seltsam"))
        except outbound.OutboundError as exc:  # http.client may refuse the header: a readable error, not a crash
            assert exc.kind in ("closed", "network", "invalid_url")
        else:
            assert response.status == 200


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "javascript:alert(1)"])
def test_other_schemes_are_refused(url):
    with pytest.raises(outbound.OutboundError) as refused:
        _get(url)
    assert refused.value.kind == "scheme"


def test_a_redirect_to_another_scheme_is_refused():
    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", "file:///etc/passwd")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    with FeedServer() as server:
        server.serve_with("/weiter", redirect)
        with pytest.raises(outbound.OutboundError) as refused:
            _get(server.url("/weiter"))
    assert refused.value.kind == "redirect_scheme"


def test_internal_addresses_are_refused_before_connecting():
    with FeedServer() as server:
        server.serve("/k.ics", b"BEGIN:VCALENDAR", content_type="text/calendar")
        with pytest.raises(outbound.OutboundError) as refused:
            _get(server.url("/k.ics"), allow_private=False)
        assert server.requests == []
    assert (refused.value.kind, refused.value.ip) == ("blocked", "127.0.0.1")


def test_a_server_that_goes_silent_after_its_headers_meets_the_deadline_too():
    def silent(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.end_headers()
        handler.wfile.flush()
        time.sleep(4)
        with contextlib.suppress(OSError):
            handler.wfile.write(b"zu spaet")

    with FeedServer() as server:
        server.serve_with("/still", silent)
        started = time.monotonic()
        with pytest.raises(outbound.OutboundError) as refused:
            _get(server.url("/still"), timeout=1.0)
        elapsed = time.monotonic() - started
    assert refused.value.kind == "timeout"
    assert elapsed < 2.0, elapsed
