"""The live knowledge base: one index snapshot, refreshed when an article changes.

The action server owns one service. A background thread looks at the articles'
modification times every second and rebuilds incrementally when something changed, so
an editor's save is answered from within a few seconds, with no restart and no Rasa
retraining. A broken article is logged and skipped; the rest keeps serving.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from comptoir.kb.embedder import Embedder, load_embedder
from comptoir.kb.index import KnowledgeIndex, build_index, index_folder
from comptoir.kb.search import Searcher, SearchResult, load_thresholds
from comptoir.settings import Settings

log = logging.getLogger("comptoir.kb")


def folder_fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of every article: any save changes it."""
    entries = []
    for path in folder.rglob("*.md"):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(entries))


class KnowledgeService:
    """Search over the current articles of a folder, kept up to date."""

    def __init__(
        self,
        knowledge_dir: Path,
        index_dir: Path,
        embedder: Embedder,
        poll_seconds: float = 1.0,
    ) -> None:
        self.knowledge_dir = knowledge_dir
        self.index_dir = index_dir
        self.embedder = embedder
        self.searcher = Searcher(embedder, load_thresholds(embedder.name))
        self.poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._fingerprint = folder_fingerprint(knowledge_dir)
        self.index: KnowledgeIndex = build_index(knowledge_dir, embedder, index_dir)
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> KnowledgeService:
        """The service for the configured folder and model."""
        embedder = load_embedder(settings.embedding_model)
        return cls(
            settings.knowledge_dir, index_folder(settings.index_dir, embedder.name), embedder
        )

    def search(self, question: str, language: str) -> SearchResult:
        """Search the current snapshot."""
        return self.searcher.search(self.index, question, language)

    def refresh(self) -> bool:
        """Rebuild if an article changed since the last build; True if it did."""
        with self._lock:
            fingerprint = folder_fingerprint(self.knowledge_dir)
            if fingerprint == self._fingerprint:
                return False
            index = build_index(self.knowledge_dir, self.embedder, self.index_dir)
            self.index, self._fingerprint = index, fingerprint
            log.info(
                "knowledge reloaded: %d articles (%d re-embedded), %d skipped",
                len(index.by_id),
                index.embedded_now,
                len(index.errors),
            )
            return True

    def start_watching(self) -> None:
        """Refresh in a daemon thread until ``stop_watching``."""
        if self._watcher is not None:
            return

        def loop() -> None:
            while not self._stop.wait(self.poll_seconds):
                try:
                    self.refresh()
                except Exception:  # keep serving the previous snapshot
                    log.exception("knowledge reload failed; previous articles kept")

        self._watcher = threading.Thread(target=loop, name="kb-watcher", daemon=True)
        self._watcher.start()

    def stop_watching(self) -> None:
        """Stop the background refresh."""
        self._stop.set()
