"""Requests to other servers on a user's word (a calendar feed, a council information system).

One guarded GET for every such request: http(s) only, no proxies from the environment, few redirects,
each only to http(s), a byte limit and a deadline for the whole answer, and only to public addresses
unless `allow_private` (checked after the name lookup, and the checked address is the one connected
to, so DNS cannot change it in between). Failures raise `OutboundError` with a `kind` the caller
turns into its own German sentence; nothing here knows what is being fetched.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

CHUNK = 64 * 1024
MAX_REDIRECTS = 5


class OutboundError(Exception):
    """kind: scheme, blocked (host, ip), redirect_scheme (url), redirect (code), http (code), timeout,
    too_big, dns, refused, tls, closed, network (detail), invalid_url."""

    def __init__(self, kind: str, *, code: int | None = None, host: str = "", ip: str = "", url: str = "",
                 detail: str = ""):  # fmt: skip
        super().__init__(kind)
        self.kind, self.code, self.host, self.ip, self.url, self.detail = kind, code, host, ip, url, detail


@dataclass(frozen=True)
class Response:
    status: int  # 200, or 304 when not modified (content None)
    content: bytes | None
    headers: dict


def allowed_address(ip: str, allow_private: bool) -> bool:
    if allow_private:
        return True
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if address.version == 6:
        if address.is_site_local:  # fec0::/10, deprecated but routed inside some networks
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            address = embedded
    return address.is_global and not address.is_multicast


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo's client, IPv4-compatible),
    so `::ffff:10.0.0.1`, `64:ff9b::a00:1` or `2002:7f00:1::` are judged as the IPv4 they reach."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if int(address) >> 32 == 0 and int(address) > 1:  # ::a.b.c.d (deprecated IPv4-compatible)
        return ipaddress.IPv4Address(int(address))
    return None


def _guarded_connection_factory(allow_private: bool):
    def connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        for *_rest, sockaddr in infos:
            if not allowed_address(sockaddr[0], allow_private):
                raise OutboundError("blocked", host=host, ip=sockaddr[0])
        error = None
        for family, type_, proto, _canonname, sockaddr in infos:
            sock = socket.socket(family, type_, proto)
            try:
                if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                error = exc
                sock.close()
        raise error or OSError(f"getaddrinfo returned nothing for {host}")

    return connect


def _opener(allow_private: bool) -> urllib.request.OpenerDirector:
    connect = _guarded_connection_factory(allow_private)

    class HTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class HTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(HTTPConnection, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(HTTPSConnection, req, context=ssl.create_default_context())

    class RedirectHandler(urllib.request.HTTPRedirectHandler):
        max_redirections = MAX_REDIRECTS

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if urlsplit(newurl).scheme.lower() not in ("http", "https"):
                raise OutboundError("redirect_scheme", url=newurl[:200])
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.OpenerDirector()
    for handler in (
        HTTPHandler(),
        HTTPSHandler(),
        RedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def get(url: str, *, headers: dict, limit: int, timeout: float, allow_private: bool) -> Response:
    """GET `url` with `headers`: at most `limit` bytes within `timeout` seconds. Raises OutboundError."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise OutboundError("scheme")
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked; the opener speaks http(s) only)
    deadline = time.monotonic() + timeout
    try:
        response = _opener(allow_private).open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304:
            return Response(304, None, dict(exc.headers or {}))
        if 300 <= exc.code < 400:
            target = urljoin(url, (exc.headers or {}).get("Location", ""))
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                raise OutboundError("redirect_scheme", url=target[:200]) from exc
            raise OutboundError("redirect", code=exc.code) from exc
        raise OutboundError("http", code=exc.code) from exc
    except urllib.error.URLError as exc:
        raise _network_error(exc.reason) from exc
    except OutboundError:
        raise
    except TimeoutError as exc:
        raise OutboundError("timeout") from exc
    except (http.client.HTTPException, OSError) as exc:
        raise _network_error(exc) from exc
    except ValueError as exc:  # http.client.InvalidURL and friends
        raise OutboundError("invalid_url") from exc
    with response:
        declared = response.headers.get("Content-Length")
        if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise OutboundError("too_big")
        parts, size = [], 0
        try:
            while True:
                if time.monotonic() > deadline:
                    raise OutboundError("timeout")
                _wait_at_most(response, deadline)
                # read1: what has arrived (up to CHUNK), so a server that trickles bytes meets the
                # deadline instead of holding a full-chunk read open.
                part = response.read1(CHUNK)
                if not part:
                    break
                size += len(part)
                if size > limit:
                    raise OutboundError("too_big")
                parts.append(part)
        except TimeoutError as exc:
            raise OutboundError("timeout") from exc
        except (http.client.HTTPException, OSError) as exc:
            raise _network_error(exc) from exc
        return Response(200, b"".join(parts), dict(response.headers))


def _wait_at_most(response, deadline: float) -> None:
    """Let the next read wait no longer than the time left (a silent server meets the deadline too)."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(0.05, deadline - time.monotonic()))


def _network_error(reason) -> OutboundError:
    if isinstance(reason, OutboundError):
        return reason
    if isinstance(reason, TimeoutError):
        return OutboundError("timeout")
    if isinstance(reason, ssl.SSLError):
        return OutboundError("tls")
    if isinstance(reason, socket.gaierror):
        return OutboundError("dns")
    if isinstance(reason, ConnectionRefusedError):
        return OutboundError("refused")
    if isinstance(reason, http.client.HTTPException):
        return OutboundError("closed")
    return OutboundError("network", detail=str(reason)[:120])
