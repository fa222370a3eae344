"""Agents' accounts and console sessions, in the desk's database.

Passwords are stored as scrypt hashes (memory-hard, in Python's standard library) with
a random salt; a session is a random token in an HttpOnly, SameSite=Strict cookie plus a
CSRF token the console sends back in a header on every change.

A scrypt costs ~60 ms of CPU: it runs in a worker thread (``asyncio.to_thread``; hashlib
releases the GIL), at most ``HASHING_AT_ONCE`` at a time, so a flood of failed sign-ins
neither stalls the event loop that serves shoppers nor takes every CPU.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from sqlalchemy import DateTime, ForeignKey, Integer, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.desk.db import Base, as_utc, utc_now

T = TypeVar("T")
Role = Literal["agent", "editor", "admin", "owner"]
ROLES: tuple[Role, ...] = ("agent", "editor", "admin", "owner")
"""``owner``: the shop's owner, who reads the reports only (read-only, no transcript)."""
SESSION_HOURS = 12
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
HASHING_AT_ONCE = 2
# Checked when the user name is unknown, so that the answer takes as long either way.
_NO_SUCH_USER = f"scrypt${'00' * 16}${'00' * 64}"


class User(Base):
    """A person who signs in to the console."""

    __tablename__ = "desk_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConsoleSession(Base):
    """A signed-in browser: the cookie's token and the CSRF token that goes with it."""

    __tablename__ = "desk_console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("desk_users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Agent:
    """Who is signed in (what the console and the shopper's widget may see)."""

    id: int
    username: str
    display_name: str
    role: str


def hash_password(password: str) -> str:
    """``scrypt$salt$hash`` with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Constant-time comparison with a stored hash."""
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)


def _token_hash(token: str) -> str:
    """Sessions are looked up by a hash: a leaked table does not leak live cookies."""
    return hashlib.sha256(token.encode()).hexdigest()


class AccountStore:
    """Create users, sign them in and out, and resolve a cookie to an agent."""

    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions
        self._hashing = asyncio.Semaphore(HASHING_AT_ONCE)

    async def _scrypt(self, function: Callable[..., T], *args: str) -> T:
        """Run a password hash function off the event loop, a few at a time."""
        async with self._hashing:
            return await asyncio.to_thread(function, *args)

    async def add_user(
        self, username: str, password: str, role: Role = "agent", display_name: str = ""
    ) -> Agent:
        """Create an account; raises ``ValueError`` for a taken name or a weak password."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < 10:
            raise ValueError("the password needs at least 10 characters")
        user = User(
            username=username.strip().lower(),
            display_name=display_name.strip() or username.strip(),
            role=role,
            password_hash=await self._scrypt(hash_password, password),
            created_at=utc_now(),
        )
        try:
            async with self._sessions.begin() as session:
                session.add(user)
        except IntegrityError as error:
            raise ValueError(f"the user name '{username}' is taken") from error
        return Agent(user.id, user.username, user.display_name, user.role)

    async def sign_in(self, username: str, password: str) -> tuple[Agent, str, str] | None:
        """``(agent, session token, csrf token)`` for the right password, else ``None``.

        The hash is checked outside any database transaction and off the event loop;
        an unknown user name costs the same scrypt as a wrong password."""
        async with self._sessions() as session:
            user = await session.scalar(
                select(User).where(User.username == username.strip().lower())
            )
            found = (
                None
                if user is None
                else Agent(user.id, user.username, user.display_name, user.role)
            )
            stored = _NO_SUCH_USER if user is None else user.password_hash
        if not await self._scrypt(check_password, password, stored) or found is None:
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        async with self._sessions.begin() as session:
            session.add(
                ConsoleSession(
                    token_hash=_token_hash(token),
                    user_id=found.id,
                    csrf=csrf,
                    expires_at=utc_now() + timedelta(hours=SESSION_HOURS),
                    last_seen=utc_now(),
                )
            )
        return found, token, csrf

    async def resolve(self, token: str | None) -> tuple[Agent, str] | None:
        """The agent and CSRF token of a live session cookie."""
        if not token:
            return None
        async with self._sessions.begin() as session:
            row = await session.get(ConsoleSession, _token_hash(token))
            if row is None or as_utc(row.expires_at) < utc_now():
                return None
            user = await session.get(User, row.user_id)
            if user is None:
                return None
            if utc_now() - as_utc(row.last_seen) > timedelta(seconds=30):
                row.last_seen = utc_now()  # presence, without a write on every call
            return Agent(user.id, user.username, user.display_name, user.role), row.csrf

    async def agents_present(self, within_minutes: int = 15) -> int:
        """Agents whose console was active lately: is a live person there to answer?"""
        since = utc_now() - timedelta(minutes=within_minutes)
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ConsoleSession.user_id)
                .join(User, User.id == ConsoleSession.user_id)
                .where(
                    ConsoleSession.last_seen >= since,
                    ConsoleSession.expires_at >= utc_now(),
                    User.role.in_(("agent", "admin")),
                )
            )
            return len(set(rows))

    async def sign_out(self, token: str) -> None:
        """Forget the session (the cookie is cleared by the caller)."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(ConsoleSession).where(ConsoleSession.token_hash == _token_hash(token))
            )
