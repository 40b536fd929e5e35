"""Settings read from the environment (prefix ``ORDER_COMPLETION_``) and from a ``.env``
file in the working directory, built once by the caller. The environment wins over the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from order_completion.integrations.messages.model import MessageTransport

# What a case takes by default: documents, images and plain data; nothing a browser runs.
ATTACHMENT_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/json",
    "application/xml",
    "application/zip",
)
DEFAULT_DATABASE_URL = "sqlite:///./data/order-completion.db"


# The settings another part of the service parses, each checked with that part's reader
# (``_reader``) when the settings are built.
READ_ELSEWHERE = (
    "callback_allowlist",
    "secret_keys",
    "attachment_store",
    "retry_schedule",
    "integration_retry_schedule",
    "smtp_url",
    "mail_from",
)
# Those of them that an empty value leaves unset, as if not given.
EMPTY_MEANS_UNSET = frozenset({"attachment_store"})
V = TypeVar("V", str, SecretStr, None)


def _reader(setting: str) -> Callable[[str], object]:
    """The function the part that uses ``setting`` reads it with (imported when settings
    are checked, not when this module is)."""
    from order_completion.events.guard import parse_allowlist
    from order_completion.events.retry import parse_schedule
    from order_completion.events.sealing import parse_keys
    from order_completion.integrations.messages.smtp import parse_smtp_url, sender_address
    from order_completion.integrations.s3 import parse_store_url

    readers: dict[str, Callable[[str], object]] = {
        "callback_allowlist": parse_allowlist,
        "secret_keys": parse_keys,
        "attachment_store": parse_store_url,
        "retry_schedule": parse_schedule,
        "integration_retry_schedule": parse_schedule,
        "smtp_url": parse_smtp_url,
        "mail_from": sender_address,
    }
    return readers[setting]


class Settings(BaseSettings):
    """Every setting of the service; the README lists them with their defaults."""

    # pydantic-settings reads the environment before the file: a variable set in both
    # takes the environment's value. Inputs stay out of error messages: several settings
    # are secrets (tokens, the SMTP password).
    model_config = SettingsConfigDict(
        env_prefix="ORDER_COMPLETION_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLite file or PostgreSQL URL, e.g. postgresql://user@127.0.0.1:5432/db",
    )
    policy_dir: Path | None = Field(
        default=None, description="Folder of extra policy YAML files, added to the bundled ones"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    trigger_states: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["completed"],
        description="Product order states that open a completion case (comma-separated)",
    )
    worker_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often an idle worker looks for due timers, new events and deliveries "
        "due again",
    )
    public_url: str = Field(
        default="",
        description="Base URL used in href links (empty means relative links) and in the "
        "customer's portal links (empty means http://HOST:PORT)",
    )
    log_level: str = "info"
    bootstrap_token: str | None = Field(
        default=None,
        description="One admin bearer token for first start and automation (never stored)",
    )
    jwt_key: str | None = Field(
        default=None,
        description="Key that signs accepted JWTs: a PEM public key, or a shared HS256 secret",
    )
    jwt_issuer: str | None = Field(default=None, description="Required JWT 'iss', if set")
    jwt_audience: str | None = Field(default=None, description="Required JWT 'aud', if set")
    jwt_algorithms: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Accepted JWT algorithms; default RS256,ES256 for a PEM key, else HS256",
    )
    jwt_role_claim: str = Field(default="roles", description="JWT claim holding the role(s)")
    callback_allowlist: str = Field(
        default="",
        description="Addresses or networks callbacks may resolve to although not public "
        "(comma-separated, e.g. 127.0.0.1); plain http is allowed only to these",
    )
    retry_schedule: str = Field(
        default="0,5s,5m,30m,2h,5h,10h,14h,20h,24h",
        description="Delay before each delivery attempt; after the last, the delivery fails",
    )
    delivery_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    delivery_slots: int = Field(
        default=64,
        ge=1,
        le=1000,
        description="Delivery attempts one worker keeps in flight at once, over all subscriptions",
    )
    delivery_retention_days: float = Field(
        default=30, gt=0, description="Finished deliveries, attempts and sent events kept this long"
    )
    nats_url: str | None = Field(
        default=None,
        description="Also publish every event to NATS JetStream at this URL "
        "(e.g. nats://127.0.0.1:4222)",
    )
    nats_stream: str = Field(default="ORDER_COMPLETION", description="JetStream stream name")
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body accepted (413 above)"
    )
    token_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long a checked API key is trusted without a lookup"
    )
    token_cache_size: int = Field(
        default=10_000, ge=1, description="Most API key lookups kept at once (oldest go first)"
    )
    secret_keys: str = Field(
        default="",
        description="Fernet keys sealing hub signing secrets at rest (comma-separated): the "
        "first seals, every one opens; empty means a key generated once into secret_key_file",
    )
    secret_key_file: Path = Field(
        default=Path("./data/hub-secret.key"),
        description="Where the generated key is kept (owner-only) when secret_keys is empty",
    )
    session_key: SecretStr | None = Field(
        default=None,
        description="Keys signing the web pages' session cookies (comma-separated, the first "
        "signs, every one checks); empty means keys derived from the secret keys",
    )
    session_hours: float = Field(
        default=12, gt=0, le=24 * 30, description="How long a web sign-in lasts"
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect provider staff may sign in with (its discovery document "
        "is at ISSUER/.well-known/openid-configuration); needs the client id and secret",
    )
    oidc_client_id: str | None = Field(default=None, description="This service's OIDC client id")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="This service's OIDC client secret"
    )
    oidc_role_claim: str = Field(
        default="roles", description="ID token claim holding the signed-in person's role(s)"
    )
    oidc_scopes: str = Field(
        default="openid profile email", description="Scopes asked of the OIDC provider"
    )
    workspace_refresh_seconds: float = Field(
        default=10, ge=1, le=3600, description="How often the workspace's queues refresh"
    )
    portal_key: SecretStr | None = Field(
        default=None,
        description="Keys signing the customer's portal links (comma-separated, the first "
        "signs, every one checks); empty means keys derived from the secret keys",
    )
    portal_link_days: int = Field(
        default=14,
        ge=1,
        le=90,
        description="How long a customer's portal link is valid when its request names no "
        "validForDays",
    )
    max_subscriptions_per_owner: int = Field(
        default=100, ge=1, description="Most hub subscriptions one caller may hold, over all APIs"
    )
    metrics_need_token: bool = Field(
        default=False,
        description="GET /metrics asks for a token with read permission; by default it is "
        "open, like /health and /ready, for a scraper inside the operator's network",
    )
    exact_count_limit: int = Field(
        default=10_000,
        ge=1,
        description="Lists count the rows that match exactly up to this many; above it "
        "X-Total-Count is an estimate, marked with X-Total-Count-Estimated: true",
    )
    # Systems the customer update reaches, each at its API root; none set: events only.
    tmf622_url: str | None = Field(
        default=None,
        description="TMF622 root, e.g. http://host:port/tmf-api/productOrderingManagement/v4",
    )
    tmf622_mode: Literal["state", "note"] = Field(
        default="state",
        description="state: set the order's state to completed; note: add a note and leave "
        "the state to order management",
    )
    tmf637_url: str | None = Field(
        default=None, description="TMF637 root, e.g. http://host:port/tmf-api/productInventory/v4"
    )
    tmf629_url: str | None = Field(
        default=None,
        description="TMF629 root, e.g. http://host:port/tmf-api/customerManagement/v4",
    )
    billing_url: str | None = Field(
        default=None, description="Endpoint the billing start is POSTed to"
    )
    tmf622_token: str | None = Field(default=None, description="Bearer token for TMF622")
    tmf637_token: str | None = Field(default=None, description="Bearer token for TMF637")
    tmf629_token: str | None = Field(default=None, description="Bearer token for TMF629")
    billing_token: str | None = Field(default=None, description="Bearer token for billing")
    oauth_token_url: str | None = Field(
        default=None,
        description="OAuth2 token endpoint: peers without a bearer token of their own get "
        "one with client credentials",
    )
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = None
    oauth_scope: str | None = None
    integration_retry_schedule: str = Field(
        default="0,30s,2m,10m,30m,1h,2h,6h",
        description="Delay before each attempt of a call to another system; after the last, "
        "the case is in fallout",
    )
    integration_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    tmf622_listener_token: SecretStr | None = Field(
        default=None,
        description="An integration token order management's hub sends with its events "
        "(registered with the listener as a header)",
    )
    attachment_dir: Path = Field(
        default=Path("./data/attachments"),
        description="Folder the attachments' bytes are kept in, each named by its SHA-256",
    )
    attachment_store: str | None = Field(
        default=None,
        description="Keep attachments in an S3-compatible bucket instead of attachment_dir: "
        "s3://bucket/prefix?endpoint=http://host:9000&region=us-east-1",
    )
    s3_access_key_id: str | None = Field(default=None, description="The bucket's access key")
    s3_secret_access_key: SecretStr | None = Field(
        default=None, description="The bucket's secret key"
    )
    attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest attachment taken (413 above)"
    )
    attachment_types: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(ATTACHMENT_TYPES),
        description="Media types an attachment may have (comma-separated)",
    )
    reconcile_seconds: float = Field(
        default=300,
        gt=0,
        description="How often the worker asks order management for orders in a trigger "
        "state that it may have missed",
    )
    mail_from: str | None = Field(
        default=None, description="Sender of customer messages, e.g. Orders <orders@example.com>"
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="SMTP server, e.g. smtp://user:pass@host:587?starttls=true or "
        "smtps://user:pass@host (password never shown)",
    )
    tmf681_url: str | None = Field(
        default=None,
        description="TMF681 API root, e.g. http://host/tmf-api/communicationManagement/v4",
    )
    tmf681_token: SecretStr | None = Field(
        default=None, description="Bearer token sent to the TMF681 API"
    )
    template_dir: Path | None = Field(
        default=None,
        description="Folder of message templates; a file named like a bundled one replaces it",
    )
    message_transport: MessageTransport = Field(
        default=MessageTransport.NONE,
        description="How customer messages leave: smtp, tmf681, or none (events only)",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        from order_completion.database import normalise_url

        try:
            normalise_url(value)
        except Exception as error:
            raise ValueError(
                f"{error}; use sqlite:///path/to/file.db or postgresql://user@host:port/db"
            ) from None
        return value

    @field_validator(*READ_ELSEWHERE)
    @classmethod
    def _readable(cls, value: V, info: ValidationInfo) -> V:
        """Checked by the reader of the part that uses it, so a bad value stops the start
        naming its variable instead of failing later; a setting left unset is not checked."""
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is not None and (text or info.field_name not in EMPTY_MEANS_UNSET):
            _reader(str(info.field_name))(text)
        return value

    @model_validator(mode="after")
    def _transport_configured(self) -> Settings:
        """Runs once every field has passed its own check, whatever the order they are
        declared in; a field that failed its own check is not reported missing too."""
        needed = {
            MessageTransport.NONE: (),
            MessageTransport.SMTP: ("mail_from", "smtp_url"),
            MessageTransport.TMF681: ("mail_from", "tmf681_url"),
        }[self.message_transport]
        missing = [f"ORDER_COMPLETION_{name.upper()}" for name in needed if not getattr(self, name)]
        if missing:
            raise ValueError(f"{self.message_transport} needs {' and '.join(missing)}")
        return self

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        """An OIDC provider is used only with this service's client id and secret."""
        named = {
            "oidc_issuer": self.oidc_issuer,
            "oidc_client_id": self.oidc_client_id,
            "oidc_client_secret": self.oidc_client_secret,
        }
        missing = [f"ORDER_COMPLETION_{name.upper()}" for name, value in named.items() if not value]
        if self.oidc_issuer and missing:
            raise ValueError(f"signing in with OIDC needs {' and '.join(missing)}")
        return self

    @field_validator("trigger_states", "jwt_algorithms", "attachment_types", mode="before")
    @classmethod
    def _split_states(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
