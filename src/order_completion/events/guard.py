"""The SSRF guard on callback URLs: a callback must resolve only to public addresses (or to
addresses the operator allow-listed), plain http is only for allow-listed addresses, and every
attempt connects to an address that was checked for that attempt."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from order_completion.errors import InvalidInput
from order_completion.events.rules import callback_problem

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def parse_allowlist(text: str) -> list[Network]:
    """``"127.0.0.1, 10.1.0.0/16"`` → networks; a bad entry is a ValueError naming it."""
    networks: list[Network] = []
    for part in text.split(","):
        item = part.strip()
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"{item!r} is not an address or network") from None
    return networks


def why_not_public(address: Address) -> str | None:
    """The reason an address may not be called, or None for a public one."""
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives here)"
    if address.is_private:
        return "a private address"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return "a reserved address"
    if not address.is_global:
        return "not a public address"
    return None


@dataclass(frozen=True)
class Target:
    """Where one attempt connects: the checked address, and how to reach the host on it."""

    url: str  # the callback with its host replaced by the checked address
    host_header: str
    sni_hostname: str | None


class CallbackGuard:
    def __init__(
        self, allowlist: Sequence[Network] = (), resolver: Resolver = system_resolver
    ) -> None:
        self.allowlist = list(allowlist)
        self.resolver = resolver

    def _allowed(self, address: Address) -> bool:
        return any(address in network for network in self.allowlist)

    async def check(self, url: str) -> Target:
        """Resolve and check ``url``; raise InvalidInput (field ``callback``) with the reason."""
        problem = callback_problem(url)
        if problem is not None:
            raise InvalidInput(problem, field="callback")
        parts = urlsplit(url)
        assert parts.hostname is not None  # callback_problem says so
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            literal: Address | None = ipaddress.ip_address(parts.hostname)
        except ValueError:
            literal = None
        try:
            names = [str(literal)] if literal else await self.resolver(parts.hostname, port)
        except (OSError, ValueError) as error:  # UnicodeError is a ValueError
            # Whatever stops the lookup (an unknown name, a name the resolver cannot
            # encode) refuses the callback; none of it is the server's fault.
            raise InvalidInput(
                f"{parts.hostname} cannot be resolved ({error})", field="callback"
            ) from None
        addresses = [ipaddress.ip_address(name) for name in names]
        if not addresses:
            raise InvalidInput(f"{parts.hostname} resolves to no address", field="callback")
        for address in addresses:
            reason = why_not_public(address)
            if reason and not self._allowed(address):
                raise InvalidInput(
                    f"{parts.hostname} resolves to {address}, {reason}; allow it with "
                    "ORDER_COMPLETION_CALLBACK_ALLOWLIST if that is intended",
                    field="callback",
                )
        if parts.scheme == "http" and not all(self._allowed(a) for a in addresses):
            raise InvalidInput(
                "must use https (plain http only to allow-listed addresses)", field="callback"
            )
        chosen = addresses[0]
        host = f"[{chosen}]" if chosen.version == 6 else str(chosen)
        netloc = f"{host}:{parts.port}" if parts.port else host
        return Target(
            url=urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")),
            host_header=parts.netloc.rsplit("@", 1)[-1],
            sni_hostname=parts.hostname if parts.scheme == "https" and literal is None else None,
        )
