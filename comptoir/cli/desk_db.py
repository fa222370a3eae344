"""Open the desk database from a command: schema brought up to date, always closed.

``desk`` (before its workers start), ``users add`` and ``privacy`` all need the desk's
tables at the latest migration and must release the pool when they finish, or the
process hangs on exit; writing that once keeps the three from drifting apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar, overload

if TYPE_CHECKING:
    from comptoir.desk.store import ConversationStore

T = TypeVar("T")


@overload
def with_desk_store(url: str) -> None: ...
@overload
def with_desk_store(url: str, work: Callable[[ConversationStore], Awaitable[T]]) -> T: ...


def with_desk_store(
    url: str, work: Callable[[ConversationStore], Awaitable[T]] | None = None
) -> T | None:
    """Migrate the desk database at ``url``, then run ``work`` on a store and close it.

    Without ``work`` only the migration runs (``desk`` does it once, before its workers
    race to it). Returns what ``work`` returns.
    """
    from comptoir.desk.schema import upgrade_schema
    from comptoir.desk.store import ConversationStore

    async def run() -> T | None:
        # The store first: opening it creates the SQLite file's folder, which the
        # migration's synchronous engine does not.
        store = ConversationStore(url)
        try:
            await upgrade_schema(url)
            return None if work is None else await work(store)
        finally:
            await store.close()

    return asyncio.run(run())
