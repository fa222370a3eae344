"""The action server's process-wide services, built once and shared by every action.

The knowledge base (answers, and the troubleshooting tips of the return flow) and the
log of unanswered questions are heavy or hold a connection: one of each per process,
created on first use. Actions import them from here, never from one another.
"""

from __future__ import annotations

from comptoir.kb.misses import MissLog
from comptoir.kb.service import KnowledgeService
from comptoir.settings import get_settings

_service: KnowledgeService | None = None
_misses: MissLog | None = None


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
