"""Settings that another part of the service reads are checked by that part's own reader
when the settings are built, so a bad value stops the start naming its variable; a setting
left unset is not checked."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from order_completion.settings import Settings

BAD = [
    ("callback_allowlist", "not-an-address"),
    ("secret_keys", "not-a-fernet-key"),
    ("attachment_store", "ftp://bucket"),
    ("retry_schedule", ""),
    ("integration_retry_schedule", "5 parsecs"),
    ("smtp_url", "http://mail.example"),
    ("mail_from", "not an address"),
    ("database_url", "mysql://db.example/orders"),
]


@pytest.mark.parametrize(("name", "value"), BAD, ids=[name for name, _ in BAD])
def test_a_bad_value_is_refused_under_its_own_name(name: str, value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**{name: value})
    [problem] = refused.value.errors()
    assert problem["loc"] == (name,)


@pytest.mark.parametrize(
    "unset",
    [{"attachment_store": ""}, {"attachment_store": None}, {"smtp_url": None}, {"mail_from": None}],
)
def test_a_setting_left_unset_is_not_checked(unset: dict[str, Any]) -> None:
    Settings(**unset)


def test_good_values_are_kept_as_given() -> None:
    settings = Settings(
        callback_allowlist="127.0.0.1, 10.0.0.0/8",
        attachment_store="s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1",
        retry_schedule="0,5s",
        smtp_url="smtp://127.0.0.1:2525",
        mail_from="Orders <orders@example.com>",
    )
    assert settings.callback_allowlist == "127.0.0.1, 10.0.0.0/8"
    assert settings.retry_schedule == "0,5s"
    assert settings.smtp_url is not None
    assert settings.smtp_url.get_secret_value() == "smtp://127.0.0.1:2525"
