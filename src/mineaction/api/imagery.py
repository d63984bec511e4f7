"""Arrays drawn as PNG images for the dashboard's map: the risk surface in classes of probability, the
hillshade in greys, and the residual-mine map of a hazardous area; NaN cells are transparent.

The PNG is written with the standard library (zlib): no imaging package, nothing fetched. Colours and class
limits are returned with each image (``legend``) so the page draws the same legend as the image.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["RISK_CLASSES", "greys_png", "legend", "png_rgba", "ramp_png"]

#: Classes of the probability of contamination (0-1): upper limit and colour (light yellow to dark red).
RISK_CLASSES: tuple[tuple[float, str], ...] = (
    (0.2, "#ffffb2"),
    (0.4, "#fecc5c"),
    (0.6, "#fd8d3c"),
    (0.8, "#f03b20"),
    (1.0, "#bd0026"),
)


def png_rgba(rgba: np.ndarray) -> bytes:
    """A PNG (8-bit RGBA, no interlace) of an array of shape (rows, cols, 4), rows from the top."""
    data = np.ascontiguousarray(rgba, dtype=np.uint8)
    if data.ndim != 3 or data.shape[2] != 4 or 0 in data.shape[:2]:
        raise ValueError(f"an RGBA image needs shape (rows, cols, 4), not {data.shape}")
    rows, cols = data.shape[:2]
    raw = np.concatenate([np.zeros((rows, 1), dtype=np.uint8), data.reshape(rows, cols * 4)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", cols, rows, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def ramp_png(values: np.ndarray, classes: Sequence[tuple[float, str]], *, alpha: int = 200) -> bytes:
    """``values`` coloured by ``classes`` (upper limit, colour; the last class takes everything above),
    NaN transparent."""
    values = np.asarray(values, dtype=np.float64)
    limits = np.array([limit for limit, _ in classes[:-1]])
    index = np.searchsorted(limits, np.nan_to_num(values, nan=0.0), side="right")
    palette = np.array([(*_rgb(colour), alpha) for _, colour in classes], dtype=np.uint8)
    rgba = palette[index]
    rgba[~np.isfinite(values)] = 0
    return png_rgba(rgba)


def greys_png(shade: np.ndarray, *, flat: float = float(np.sin(np.radians(45.0))), alpha: int = 150) -> bytes:
    """Brightness 0-1 as shadow and light laid over the basemap, NaN transparent: cells darker than flat
    ground (``flat``, the brightness of level land) are black, brighter ones white, their opacity stretched
    so that the 98th percentile of the departure from flat gets ``alpha`` (a low-relief DEM still shows)."""
    shade = np.asarray(shade, dtype=np.float64)
    departure = np.nan_to_num(shade - flat, nan=0.0)
    scale = float(np.percentile(np.abs(departure), 98)) or 1.0
    strength = np.clip(np.abs(departure) / scale, 0.0, 1.0)
    value = np.where(departure < 0, 0, 255).astype(np.uint8)
    rgba = np.stack([value, value, value, (strength * alpha).astype(np.uint8)], axis=-1)
    rgba[~np.isfinite(shade)] = 0
    return png_rgba(rgba)


def legend(classes: Sequence[tuple[float, str]]) -> list[dict[str, Any]]:
    """The classes as the page draws them: from, to (same unit as the values) and colour."""
    lows = [0.0, *(limit for limit, _ in classes[:-1])]
    return [
        {"from": low, "to": high, "colour": colour} for low, (high, colour) in zip(lows, classes, strict=True)
    ]
