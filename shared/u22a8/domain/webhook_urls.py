"""The URL guard: a webhook may only reach a public HTTPS receiver.

Checked when an endpoint is created or its URL patched (a refusal is 422) and again before every
delivery, where the delivery connects to the very address that was checked, so a DNS answer that
changes between the check and the connection (DNS rebinding) cannot steer it inside.

Refused: any scheme but ``https``, credentials in the URL, hosts in numeric forms other than a
plain dotted quad or an IPv6 literal (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, which resolvers
read as 127.0.0.1), and any address that is not public: loopback, private, link-local, the cloud
metadata addresses, unspecified, multicast, reserved, shared (CGNAT) and documentation ranges,
also inside IPv4-mapped, IPv4-compatible, NAT64, 6to4 and Teredo IPv6 addresses. A host with
several addresses must have only public ones. The local stack alone (``allow_local_http``) also
accepts ``http://127.0.0.1:<port>`` and ``http://localhost:<port>``.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from u22a8.entities.webhook import Target

MAX_URL_CHARS = 2048
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

_METADATA = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("169.254.170.2"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
    }
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_LOCAL_HOSTS = {"127.0.0.1": "127.0.0.1", "localhost": "127.0.0.1"}


class UrlRefused(ValueError):
    """The URL may not receive webhooks; the message says why, in the caller's terms."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives ``host`` (``OSError`` when it gives none)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(address: IpAddress) -> str | None:
    """Why ``address`` is not a public receiver, or ``None`` when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = refusal(embedded)
            return f"{reason} (embedded in an IPv6 address)" if reason else None
        if address in _NAT64_LOCAL:
            return "a private NAT64 address"
    if address in _METADATA:
        return "a cloud metadata address"
    checks = (
        (address.is_unspecified, "the unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for failed, reason in checks if failed), None)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4, Teredo)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _numeric_host(host: str) -> IpAddress | None:
    """The address of a host written as an IP literal; ``UrlRefused`` for legacy numeric forms."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        packed = socket.inet_aton(host)  # what resolvers accept: 2130706433, 0x7f.1, 0177.0.0.1
    except OSError:
        return None
    raise UrlRefused(
        f"the host {host!r} is an IPv4 address in a legacy numeric form "
        f"({ipaddress.IPv4Address(packed)}); write addresses as dotted quads"
    )


def parse(url: str, *, allow_local_http: bool = False) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path)`` of a URL the guard may accept; ``UrlRefused`` otherwise."""
    if len(url) > MAX_URL_CHARS:
        raise UrlRefused(f"the URL is longer than {MAX_URL_CHARS} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise UrlRefused("the URL contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"the URL is not valid: {exc}") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise UrlRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("the URL must not contain credentials (user:password@)")
    if parts.fragment:
        raise UrlRefused("the URL must not have a fragment (#...)")
    if "%" in host:
        raise UrlRefused("the URL's host must not carry an IPv6 zone")
    local = allow_local_http and scheme == "http" and host in _LOCAL_HOSTS
    if scheme != "https" and not local:
        raise UrlRefused("the URL must start with https://")
    if local and port is None:
        raise UrlRefused("a local http:// receiver needs an explicit port")
    if port == 0:
        raise UrlRefused("the URL's port must be 1 to 65535")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or 443, path


def check(
    url: str, *, allow_local_http: bool = False, resolve: Resolver = system_resolver
) -> Target:
    """The delivery target of ``url`` after resolving its host and checking every address."""
    scheme, host, port, path = parse(url, allow_local_http=allow_local_http)
    if scheme == "http":  # only the local stack's own receivers get here
        return Target(scheme, host, port, path, (_LOCAL_HOSTS[host],))
    literal = _numeric_host(host)
    if literal is not None:
        addresses: list[str] = [str(literal)]
    else:
        if not _is_dns_name(host):
            raise UrlRefused(f"the host {host!r} is not a valid DNS name")
        try:
            addresses = list(resolve(host, port))
        except (OSError, UnicodeError) as exc:
            raise UrlRefused(f"the host {host!r} does not resolve") from exc
        if not addresses:
            raise UrlRefused(f"the host {host!r} does not resolve")
    for raw in addresses:
        try:
            address = ipaddress.ip_address(raw.split("%", 1)[0])
        except ValueError as exc:
            raise UrlRefused(f"the host {host!r} resolves to {raw!r}, not an address") from exc
        reason = refusal(address)
        if reason is not None:
            raise UrlRefused(f"the host {host!r} resolves to {address}, {reason}")
    return Target(scheme, host, port, path, tuple(addresses))


def _is_dns_name(host: str) -> bool:
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or len(labels) < 2:
        return False
    for label in labels:
        if not 1 <= len(label) <= 63 or label.startswith("-") or label.endswith("-"):
            return False
        if not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in label):
            return False
    return not labels[-1].isdigit()
