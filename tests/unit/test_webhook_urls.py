"""The URL guard: only public HTTPS receivers, whatever notation or resolver trick is used."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from u22a8.domain.webhook_urls import Resolver, UrlRefused, check, parse

PUBLIC = "93.184.215.14"


def resolver(*addresses: str) -> Resolver:
    def resolve(host: str, port: int) -> Sequence[str]:
        return addresses

    return resolve


def failing_resolver(host: str, port: int) -> Sequence[str]:
    raise OSError("no such host")


def test_a_public_https_url_is_accepted_with_the_addresses_it_resolved_to() -> None:
    target = check(
        "https://hooks.example.com:8443/in?x=1", resolve=resolver(PUBLIC, "2606:4700::1111")
    )
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example.com",
        8443,
        "/in?x=1",
    )
    assert target.addresses == (PUBLIC, "2606:4700::1111")
    assert check("https://hooks.example.com", resolve=resolver(PUBLIC)).path == "/"
    assert check(f"https://{PUBLIC}/x", resolve=failing_resolver).addresses == (PUBLIC,)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "ftp://hooks.example.com/x",
        "https:///x",
        "https://user:pass@hooks.example.com/x",
        "https://hooks.example.com/x#frag",
        "https://hooks.example.com:0/x",
        "https://hooks.example.com:99999/x",
        "https://hooks.example.com/a b",
        "https://hooks.example.com/\n",
        "https://" + "a" * 2100 + ".com/",
        "javascript:alert(1)",
        "https://localhost:8443/x",
        "https://metadata/x",
        "https://[fe80::1%25eth0]/x",
    ],
)
def test_urls_that_are_not_plain_public_https_are_refused(url: str) -> None:
    with pytest.raises(UrlRefused):
        check(url, resolve=resolver(PUBLIC))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "metadata"),
        ("169.254.10.1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "not a public"),
        ("100.100.100.200", "metadata"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fd00:ec2::254", "metadata"),
        ("fc00::1", "private"),
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:7f00:1", "loopback"),
        ("::ffff:169.254.169.254", "metadata"),
        ("::ffff:10.0.0.1", "private"),
        ("::127.0.0.1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "metadata"),
        ("2002:7f00:1::", "loopback"),
        ("2001:db8::1", "private"),
    ],
)
def test_addresses_that_are_not_public_are_refused_as_literals_and_as_dns_answers(
    address: str, reason: str
) -> None:
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(UrlRefused, match=reason):
        check(f"https://{literal}/hook", resolve=failing_resolver)
    with pytest.raises(UrlRefused, match=reason):
        check("https://rebind.example.com/hook", resolve=resolver(address))


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.0.0.1", "017700000001"]
)
def test_legacy_numeric_ipv4_forms_are_refused(host: str) -> None:
    with pytest.raises(UrlRefused, match="legacy numeric form"):
        check(f"https://{host}/hook", resolve=resolver(PUBLIC))


def test_a_host_with_one_private_address_among_public_ones_is_refused() -> None:
    with pytest.raises(UrlRefused, match=r"10\.0\.0\.5"):
        check("https://mixed.example.com/", resolve=resolver(PUBLIC, "10.0.0.5"))


def test_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(UrlRefused, match="does not resolve"):
        check("https://nowhere.example.com/", resolve=failing_resolver)
    with pytest.raises(UrlRefused, match="does not resolve"):
        check("https://nowhere.example.com/", resolve=resolver())


def test_local_http_receivers_only_with_the_local_flag_and_an_explicit_port() -> None:
    for url in ("http://127.0.0.1:9000/in", "http://localhost:9000/in"):
        with pytest.raises(UrlRefused):
            check(url, resolve=failing_resolver)
        target = check(url, allow_local_http=True, resolve=failing_resolver)
        assert (target.scheme, target.port, target.addresses) == ("http", 9000, ("127.0.0.1",))
    with pytest.raises(UrlRefused, match="explicit port"):
        parse("http://127.0.0.1/in", allow_local_http=True)
    for url in ("http://10.0.0.1:9000/", "http://example.com:9000/", "http://[::1]:9000/"):
        with pytest.raises(UrlRefused, match="https"):
            check(url, allow_local_http=True, resolve=resolver(PUBLIC))
    # The flag opens http to the loopback names only; https still must be public.
    with pytest.raises(UrlRefused, match="loopback"):
        check("https://127.0.0.1:9000/", allow_local_http=True, resolve=failing_resolver)
