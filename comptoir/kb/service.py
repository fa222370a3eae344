"""The live knowledge base: one index snapshot, refreshed when an article changes.

The action server owns one service. A background thread looks at the articles'
modification times every second and rebuilds incrementally when something changed, so
an editor's save is answered from within a few seconds, with no restart and no Rasa
retraining. A broken article is logged and skipped; the rest keeps serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from comptoir.kb.articles import Article
from comptoir.kb.calibration import calibrate
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


def searcher_for(embedder: Embedder, settings: Settings | None = None) -> Searcher:
    """A searcher with this embedder's thresholds (relative, and fixed as an override).

    Thresholds are per model (kb_thresholds.yml): pairing them with the embedder here
    keeps every caller from mixing one model's vectors with another's cut-offs.
    """
    auto = settings is None or settings.kb_thresholds == "auto"
    return Searcher(embedder, load_thresholds(embedder.name), auto=auto)


def calibrated(searcher: Searcher, index: KnowledgeIndex) -> KnowledgeIndex:
    """Measure the index's own background and store its thresholds on it (in place)."""
    index.calibration = calibrate(searcher, index)
    return index


def build_index_with(
    settings: Settings,
    searcher: Searcher,
    knowledge_dir: Path | None = None,
    *,
    persist: bool = True,
    transform: Callable[[Article], Article] | None = None,
) -> KnowledgeIndex:
    """(Re)build and calibrate the index of ``knowledge_dir`` with a loaded searcher.

    For callers that keep their embedder between rebuilds (the live service, the editor
    preview): loading a model takes seconds, re-indexing only re-embeds what changed,
    and the calibration re-asks titles it remembers. The embedding cache lives in a
    folder per model so two models never share vectors.
    """
    index = build_index(
        knowledge_dir or settings.knowledge_dir,
        searcher.embedder,
        index_folder(settings.index_dir, searcher.embedder.name),
        persist=persist,
        transform=transform,
    )
    return calibrated(searcher, index)


def build_searcher_and_index(
    settings: Settings,
    knowledge_dir: Path | None = None,
    model: str | None = None,
    *,
    persist: bool = True,
    transform: Callable[[Article], Article] | None = None,
) -> tuple[Searcher, KnowledgeIndex]:
    """Load the embedder, build (or load from cache) the index and make the searcher.

    The single place this set-up is written, so the bot, the editor preview and the
    command line answer a question the same way. ``knowledge_dir`` and ``model`` default
    to the settings; ``persist=False`` leaves the on-disk embedding cache untouched.
    """
    searcher = searcher_for(load_embedder(model or settings.embedding_model), settings)
    index = build_index_with(
        settings, searcher, knowledge_dir, persist=persist, transform=transform
    )
    return searcher, index


class KnowledgeService:
    """Search over the current articles of a folder, kept up to date."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        knowledge_dir: Path | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        """Build the first snapshot; the embedder is kept for the incremental rebuilds."""
        self.settings = settings
        self.knowledge_dir = knowledge_dir or settings.knowledge_dir
        self.embedder = embedder or load_embedder(settings.embedding_model)
        self.searcher = searcher_for(self.embedder, settings)
        self.poll_seconds = poll_seconds
        self._lock = threading.Lock()
        # Taken before the build: a save during the build is then seen by the next refresh.
        self._fingerprint = folder_fingerprint(self.knowledge_dir)
        self.index: KnowledgeIndex = build_index_with(settings, self.searcher, self.knowledge_dir)
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> KnowledgeService:
        """The service for the configured folder and model."""
        return cls(settings)

    def search(self, question: str, language: str) -> SearchResult:
        """Search the current snapshot."""
        return self.searcher.search(self.index, question, language)

    def refresh(self) -> bool:
        """Rebuild if an article changed since the last build; True if it did."""
        with self._lock:
            fingerprint = folder_fingerprint(self.knowledge_dir)
            if fingerprint == self._fingerprint:
                return False
            index = build_index_with(self.settings, self.searcher, self.knowledge_dir)
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
