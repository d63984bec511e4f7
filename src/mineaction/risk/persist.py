"""A fitted risk model with what it needs to be used again, as bytes (the command line writes the file).

The payload is a pickle of ``ModelBundle``: the fitted ``RiskModel``, its feature list, the grid spec (grid
mode) or table settings (table mode), and training metadata (cut-off, counts, versions). Pickle runs code when
loaded: **load only model files you made or trust**, exactly as with any scikit-learn model file.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

from mineaction.errors import InputError, ModelError
from mineaction.risk.model import RiskModel

__all__ = ["FORMAT_VERSION", "MAGIC", "ModelBundle", "bundle_from_bytes", "bundle_to_bytes"]

MAGIC = b"MINEACTION-RISK\n"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModelBundle:
    """A fitted model and its context.

    Attributes
    ----------
    model : RiskModel
        The fitted estimator.
    mode : str
        ``"grid"`` (fitted on a store's layers) or ``"table"`` (fitted on a user's table of cells).
    features : tuple of str
        Feature columns, in training order.
    grid : dict or None
        Grid spec (``Grid.to_dict()``) of grid-mode models.
    metadata : dict
        Training facts: cut-off, label and group columns, counts, mineaction version.
    """

    model: RiskModel
    mode: str
    features: tuple[str, ...]
    grid: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def bundle_to_bytes(bundle: ModelBundle) -> bytes:
    """Serialise a bundle: a magic line, then a pickle of ``{"format_version": ..., "bundle": ...}``."""
    if not hasattr(bundle.model, "booster_"):
        raise ModelError("cannot save an unfitted model; fit it first")
    return MAGIC + pickle.dumps(
        {"format_version": FORMAT_VERSION, "bundle": bundle}, protocol=pickle.HIGHEST_PROTOCOL
    )


def bundle_from_bytes(data: bytes, *, name: str = "model file") -> ModelBundle:
    """The bundle in ``data``; the error says when the bytes are not a mineaction risk model (trusted input
    only: unpickling runs code)."""
    if not data.startswith(MAGIC):
        raise InputError(f"{name} is not a mineaction risk model; make one with `mineaction risk fit`")
    try:
        payload = pickle.loads(data[len(MAGIC) :])  # noqa: S301 - trusted model files only (documented)
    except Exception as exc:  # a damaged or foreign pickle can raise almost anything
        raise InputError(f"{name} is damaged ({type(exc).__name__}: {exc}); fit the model again") from None
    version = payload.get("format_version") if isinstance(payload, dict) else None
    if version != FORMAT_VERSION:
        raise InputError(
            f"{name} has model format {version!r}; this mineaction reads format "
            f"{FORMAT_VERSION}; fit the model again with this version"
        )
    return payload["bundle"]
