"""The map's images: a PNG the standard way (chunks, CRCs, filtered rows) whose pixels read back as written,
probabilities coloured by their class, and a hillshade whose shadows are dark and NaN cells transparent."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from mineaction.api.imagery import RISK_CLASSES, greys_png, legend, png_rgba, ramp_png


def _pixels(png: bytes) -> np.ndarray:
    """The RGBA pixels of a PNG written by ``png_rgba`` (one IDAT, filter 0 on every row), checking CRCs."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        assert struct.unpack(">I", png[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = body
        at += 12 + length
    cols, rows, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 6) and b"IEND" in chunks
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(rows, 1 + cols * 4)
    assert not raw[:, 0].any()
    return raw[:, 1:].reshape(rows, cols, 4)


def test_png_pixels_read_back_and_classes_colour_the_probabilities() -> None:
    rgba = np.random.default_rng(1).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    assert (_pixels(png_rgba(rgba)) == rgba).all()
    surface = np.array([[0.05, 0.35, np.nan], [0.65, 0.95, 1.0]])
    drawn = _pixels(ramp_png(surface, RISK_CLASSES))
    colours = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for _, c in RISK_CLASSES]
    assert tuple(drawn[0, 0, :3]) == colours[0] and tuple(drawn[0, 1, :3]) == colours[1]
    assert tuple(drawn[1, 0, :3]) == colours[3] and tuple(drawn[1, 2, :3]) == colours[4]
    assert drawn[0, 2, 3] == 0 and drawn[1, 1, 3] > 0  # NaN transparent
    assert [c["from"] for c in legend(RISK_CLASSES)] == [0.0, 0.2, 0.4, 0.6, 0.8]
    with pytest.raises(ValueError, match="RGBA"):
        png_rgba(np.zeros((3, 3), dtype=np.uint8))


def test_hillshade_shadows_are_dark_lit_slopes_light_and_missing_cells_transparent() -> None:
    flat = float(np.sin(np.radians(45)))
    shade = np.array([[flat - 0.3, flat, flat + 0.2, np.nan]])
    drawn = _pixels(greys_png(shade))
    assert tuple(drawn[0, 0])[:3] == (0, 0, 0) and drawn[0, 0, 3] > 100
    assert drawn[0, 1, 3] == 0  # level ground: no shading at all
    assert tuple(drawn[0, 2, :3]) == (255, 255, 255) and drawn[0, 2, 3] > 0
    assert drawn[0, 3, 3] == 0
