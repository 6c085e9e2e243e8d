"""The theme's PNG images: the committed files are what pngs.py draws, and valid PNGs."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from statusgen.render import pngs

STATIC = Path(__file__).resolve().parent.parent / "statusgen/themes/default/static"


@pytest.fixture(scope="module")
def drawn() -> dict[str, bytes]:
    return pngs.images()


def decode(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGBA rows of a PNG written by pngs.png, every CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        at += 12 + length
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour) == (8, 6)  # 8-bit RGBA
    raw = zlib.decompress(chunks[1][1])
    stride = 1 + 4 * width
    assert len(raw) == height * stride
    return width, height, [raw[y * stride + 1 : (y + 1) * stride] for y in range(height)]


def pixel(rows: list[bytes], x: int, y: int) -> tuple[int, ...]:
    return tuple(rows[y][4 * x : 4 * x + 4])


def test_the_committed_images_are_the_drawn_ones(drawn: dict[str, bytes]) -> None:
    for name, data in drawn.items():
        assert (STATIC / name).read_bytes() == data, (
            f"static/{name} differs: run python -m statusgen.render.pngs"
        )


def test_drawing_is_deterministic(drawn: dict[str, bytes]) -> None:
    assert pngs.draw(32, "#cf222e", "cross") == pngs.draw(32, "#cf222e", "cross")
    assert len(set(drawn.values())) == len(drawn)  # one image per status


@pytest.mark.parametrize("key", sorted(pngs.CARDS))
def test_a_card_is_its_status_colour_with_a_white_symbol(drawn: dict[str, bytes], key: str) -> None:
    width, height, rows = decode(drawn[f"card-{key}.png"])
    assert (width, height) == (pngs.CARD_SIZE, pngs.CARD_SIZE)
    colour = pngs.CARDS[key][0]
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    assert pixel(rows, 0, 0) == (*rgb, 255)  # opaque: networks show transparency as they like
    whites = sum(
        row[i : i + 4] == b"\xff\xff\xff\xff" for row in rows for i in range(0, len(row), 4)
    )
    assert whites > width * height // 50, "no symbol drawn"


def test_icons_sizes_and_corners(drawn: dict[str, bytes]) -> None:
    width, _, touch = decode(drawn["apple-touch-icon.png"])
    assert width == 180
    assert pixel(touch, 0, 0)[3] == 255  # iOS rounds it; transparency would show black
    width, _, favicon = decode(drawn["favicon-32.png"])
    assert width == 32
    assert pixel(favicon, 0, 0)[3] == 0  # rounded like favicon.svg
    assert pixel(favicon, 16, 2)[3] == 255


def test_main_writes_every_image(
    tmp_path: Path, drawn: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pngs, "images", lambda: drawn)  # drawn once per test run is enough
    assert pngs.main([str(tmp_path)]) == 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == drawn
