"""Pure rules of who sees a hub and its credentials, and what a masked callback shows."""

from __future__ import annotations

import pytest

from order_completion.events.rules import HubCaller, over_the_cap, redacted_url


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://crm.example.com/hook", "https://crm.example.com/hook"),
        ("https://u:p@crm.example.com:8443/hook", "https://***@crm.example.com:8443/hook"),
        ("https://token@crm.example.com/", "https://***@crm.example.com/"),
        ("https://crm.example.com/h?key=abc&flag", "https://crm.example.com/h?key=***&flag"),
        ("https://crm.example.com/h#secret", "https://crm.example.com/h#***"),
        ("https://a@b@[::1]/x", "https://***@[::1]/x"),
        ("https://[::1/x", "***"),
    ],
)
def test_a_masked_callback_keeps_no_credential(url: str, masked: str) -> None:
    assert redacted_url(url) == masked


def test_only_the_owner_and_administrators_see_a_hub() -> None:
    owner = HubCaller(key="key:1", admin=False, manages_hubs=True)
    other = HubCaller(key="key:2", admin=False, manages_hubs=True)
    admin = HubCaller(key="bootstrap", admin=True, manages_hubs=True)
    keyless = HubCaller(key="", admin=False, manages_hubs=True)
    reading_owner = HubCaller(key="key:1", admin=False, manages_hubs=False)
    hub, old_hub = "key:1", None  # owners: a caller's key, or none (before owners)
    assert [c.sees(hub) for c in (owner, other, admin, reading_owner)] == [1, 0, 1, 1]
    assert [c.sees(old_hub) for c in (owner, other, admin, keyless)] == [0, 0, 1, 0]
    assert not keyless.sees("")
    assert [c.sees_credentials(hub) for c in (owner, other, admin, reading_owner)] == [1, 0, 1, 0]


def test_the_cap_names_its_setting() -> None:
    assert over_the_cap(2, 3) is None
    assert "ORDER_COMPLETION_MAX_SUBSCRIPTIONS_PER_OWNER is 3" in str(over_the_cap(3, 3))
