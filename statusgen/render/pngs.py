"""The theme's PNG images: social cards per status, the touch icon, a PNG favicon.

Static files, made once by this module and committed under the default
theme's ``static/`` (``python -m statusgen.render.pngs`` writes them again;
``tests/test_pngs.py`` fails if they differ from what it draws), rather than
drawn at every build from the current status:

- **reproducible**: the bytes depend on nothing but this file (no fonts, no
  image library, no build time), so an unchanged site keeps its bytes;
- **cache-friendly**: a page names the card of its own status
  (``card-maj.png``), so a status change is a new URL that social networks
  fetch afresh, while their caches of each card stay right for ever;
- **free**: a build copies a few kilobytes instead of rasterising.

A card shows its status by colour and by symbol (check, bar, "!", cross,
wrench, clock, page); the page's own title and description carry the words.
Written with `zlib` and `struct` only (PNG's IHDR, IDAT and IEND chunks,
8-bit RGBA), so there is no Pillow dependency. A theme replaces any of them
by shipping its own file of the same name.
"""

from __future__ import annotations

import itertools
import math
import struct
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

Point = tuple[float, float]

# Stroked symbols on a 24-unit grid, as in static/icons.svg: polylines and
# rings (centre, radius). Stroke width 2.6 units.
_CHECK = ([(7, 12.5), (10.5, 16), (17, 8.5)],)
_SYMBOLS: dict[str, tuple[tuple[list[Point], ...], tuple[tuple[Point, float], ...]]] = {
    "check": (_CHECK, ()),
    "bar": (([(7, 12), (17, 12)],), ()),
    "bang": (([(12, 6.5), (12, 13.5)], [(12, 17.5), (12, 17.5)]), ()),
    "cross": (([(8, 8), (16, 16)], [(16, 8), (8, 16)]), ()),
    "wrench": (([(6.5, 17.5), (11.5, 12.5)],), (((14.5, 9.5), 3.6),)),
    "clock": (([(12, 7.5), (12, 12), (15, 14)],), (((12, 12), 7.5),)),
    "page": (([(7, 7.5), (17, 7.5)], [(7, 12), (17, 12)], [(7, 16.5), (13, 16.5)]), ()),
    "pulse": (([(3, 13), (7, 13), (9.5, 7), (13.5, 18), (16, 13), (21, 13)],), ()),
}
_STROKE = 2.6

# The light scheme's status colours of static/style.css (white on each is AA).
CARDS: dict[str, tuple[str, str]] = {
    "ok": ("#1a7f37", "check"),
    "deg": ("#9a6700", "bar"),
    "part": ("#bc4c00", "bang"),
    "maj": ("#cf222e", "cross"),
    "mnt": ("#0969da", "wrench"),
    "sched": ("#0969da", "clock"),
    "done": ("#59636e", "check"),
    "news": ("#59636e", "page"),
    "site": ("#1a7f37", "pulse"),
}
"""Badge key -> (background, symbol); ``site`` is the site's own card."""

CARD_SIZE = 256
"""Square: X's ``summary`` card and Open Graph's thumbnails (200 px at least)."""


def images() -> dict[str, bytes]:
    """Every image, as ``{file name under static/: PNG bytes}``."""
    out = {
        f"card-{key}.png": draw(CARD_SIZE, colour, symbol)
        for key, (colour, symbol) in CARDS.items()
    }
    colour, symbol = CARDS["site"]
    # iOS rounds the touch icon's corners itself and shows transparency as black.
    out["apple-touch-icon.png"] = draw(180, colour, symbol)
    out["favicon-32.png"] = draw(32, colour, symbol, corner=7 / 32)
    return out


def draw(size: int, colour: str, symbol: str, corner: float = 0.0) -> bytes:
    """A square of `colour` (corners rounded by `corner` x size) with `symbol` in white."""
    bg = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    lines, rings = _SYMBOLS[symbol]
    scale = size * 0.75 / 24  # the 24-unit grid fills three quarters of the square
    offset = size * 0.125
    half = _STROKE * scale / 2
    segments = [
        (_at(a, scale, offset), _at(b, scale, offset))
        for line in lines
        for a, b in (itertools.pairwise(line) if len(line) > 1 else [(line[0], line[0])])
    ]
    circles = [(_at(centre, scale, offset), r * scale) for centre, r in rings]
    radius = corner * size
    # Only the symbol's box needs the distance sums: the rest is plain colour.
    reach = [(p, half + 1) for seg in segments for p in seg] + [
        (c, r + half + 1) for c, r in circles
    ]
    left = max(int(min(x - d for (x, _), d in reach)), 0)
    right = min(int(max(x + d for (x, _), d in reach)) + 1, size)
    top = max(int(min(y - d for (_, y), d in reach)), 0)
    bottom = min(int(max(y + d for (_, y), d in reach)) + 1, size)
    rows = []
    for y in range(size):
        row = bytearray()
        py = y + 0.5
        for x in range(size):
            px = x + 0.5
            alpha = 1.0 if radius <= 0 else _coverage(_rounded_square(px, py, size, radius))
            ink = 0.0
            if left <= x < right and top <= y < bottom:
                for a, b in segments:
                    ink = max(ink, _coverage(_to_segment(px, py, a, b) - half))
                for (cx, cy), r in circles:
                    ink = max(ink, _coverage(abs(math.hypot(px - cx, py - cy) - r) - half))
            row += bytes(round(c + (255 - c) * ink) for c in bg)
            row.append(round(255 * alpha))
        rows.append(bytes(row))
    return png(size, size, rows)


def png(width: int, height: int, rows: Sequence[bytes]) -> bytes:
    """8-bit RGBA PNG of `rows` (each ``width * 4`` bytes), filter 0, zlib level 9."""
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _at(point: Point, scale: float, offset: float) -> Point:
    return (point[0] * scale + offset, point[1] * scale + offset)


def _coverage(distance: float) -> float:
    """How much of a pixel a shape covers, from the signed distance to its edge."""
    return min(max(0.5 - distance, 0.0), 1.0)


def _to_segment(px: float, py: float, a: Point, b: Point) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else min(max(((px - ax) * dx + (py - ay) * dy) / length, 0.0), 1.0)
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def _rounded_square(px: float, py: float, size: int, radius: float) -> float:
    """Signed distance to a square of side `size` with corners of `radius`."""
    if radius <= 0:
        return -min(px, py, size - px, size - py)
    qx = abs(px - size / 2) - (size / 2 - radius)
    qy = abs(py - size / 2) - (size / 2 - radius)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - radius


def main(argv: Sequence[str] | None = None) -> int:
    """Write the images into a folder (default: the built-in theme's static/)."""
    args = list(sys.argv[1:] if argv is None else argv)
    folder = (
        Path(args[0]) if args else Path(__file__).resolve().parent.parent / "themes/default/static"
    )
    for name, data in images().items():
        (folder / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
