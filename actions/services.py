"""The action server's process-wide services, built once and shared by every action.

The knowledge base (answers, and the troubleshooting tips of the return flow), the
log of unanswered questions and the live look-ups on the shop's platform are heavy or
hold connections: one of each per process, created on first use. Actions import them from here, never from one another.
"""

from __future__ import annotations

from comptoir.kb.misses import MissLog
from comptoir.kb.service import KnowledgeService
from comptoir.settings import get_settings
from comptoir.shop.live_orders import LiveOrders

_service: KnowledgeService | None = None
_misses: MissLog | None = None
_live: LiveOrders | None = None


def knowledge_service() -> KnowledgeService:
    """The action server's knowledge base, built once and then watched for edits."""
    global _service
    if _service is None:
        _service = KnowledgeService.from_settings(get_settings())
        _service.start_watching()
    return _service


def miss_log() -> MissLog:
    """Where unanswered questions go for editors."""
    global _misses
    if _misses is None:
        _misses = MissLog(get_settings().kb_log_url)
    return _misses


def live_orders() -> LiveOrders:
    """Look-ups on the shop's platform (one connection pool), made again when the
    settings were reloaded."""
    global _live
    settings = get_settings()
    if _live is None or _live.settings is not settings:
        _live = LiveOrders(settings)
    return _live
