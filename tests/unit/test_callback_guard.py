"""The SSRF guard: callbacks resolve only to public addresses unless allow-listed, and each
attempt connects to the address that was checked."""

from __future__ import annotations

import pytest

from order_completion.errors import InvalidInput
from order_completion.events.guard import CallbackGuard, parse_allowlist

NAMES = {
    "public.test": ["93.184.216.34"],
    "loopback.test": ["127.0.0.1"],
    "private.test": ["10.1.2.3"],
    "metadata.test": ["169.254.169.254"],
    "ula.test": ["fd00::1"],
    "linklocal6.test": ["fe80::1"],
    "mixed.test": ["93.184.216.34", "192.168.1.5"],
    "cgnat.test": ["100.64.0.1"],
    "v6.test": ["2606:4700::1"],
}


async def fake_resolver(host: str, port: int) -> list[str]:
    if host not in NAMES:
        raise OSError("Name or service not known")
    return NAMES[host]


def guard(allow: str = "") -> CallbackGuard:
    return CallbackGuard(parse_allowlist(allow), resolver=fake_resolver)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://loopback.test/cb", "loopback"),
        ("https://private.test/cb", "private"),
        ("https://metadata.test/cb", "link-local"),
        ("https://ula.test/cb", "private"),
        ("https://linklocal6.test/cb", "link-local"),
        ("https://mixed.test/cb", "192.168.1.5"),
        ("https://cgnat.test/cb", "not a public address"),
        ("https://127.0.0.1/cb", "loopback"),
        ("https://[::1]/cb", "loopback"),
        ("http://public.test/cb", "https"),
        ("https://nowhere.test/cb", "cannot be resolved"),
        ("ftp://public.test/cb", "http(s)"),
    ],
)
async def test_unsafe_callbacks_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await guard().check(url)
    assert reason in caught.value.message
    assert caught.value.field == "callback"


async def test_public_https_callbacks_connect_to_the_checked_address() -> None:
    target = await guard().check("https://public.test:8443/hooks?x=1")
    assert target.url == "https://93.184.216.34:8443/hooks?x=1"
    assert target.host_header == "public.test:8443"
    assert target.sni_hostname == "public.test"
    v6 = await guard().check("https://v6.test/cb")
    assert v6.url == "https://[2606:4700::1]/cb"


async def test_allow_listed_addresses_may_be_called_even_over_http() -> None:
    target = await guard("127.0.0.1").check("http://loopback.test:8080/cb")
    assert target.url == "http://127.0.0.1:8080/cb"
    assert target.sni_hostname is None
    assert (await guard("10.0.0.0/8").check("https://private.test/cb")).url.startswith(
        "https://10.1.2.3"
    )


def test_a_bad_allowlist_entry_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        parse_allowlist("127.0.0.1, 10.0.0.300")


async def test_any_failure_to_resolve_is_a_refusal_naming_the_callback() -> None:
    """Whatever the resolver raises (an encoding error as much as an unknown name), the
    caller is told the callback cannot be resolved, never a 500."""

    async def failing_resolver(host: str, port: int) -> list[str]:
        raise UnicodeError("encoding with 'idna' codec failed")

    with pytest.raises(InvalidInput) as caught:
        await CallbackGuard(resolver=failing_resolver).check("https://public.test/cb")
    assert caught.value.field == "callback"
    assert "cannot be resolved" in caught.value.message
