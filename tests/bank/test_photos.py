"""Reward photos: what Pillow finds in the bytes decides, and what is stored is a small clean JPEG."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from points import photos
from points.errors import DomainError


def encoded(image: Image.Image, fmt: str, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def code_of(data: bytes) -> str:
    with pytest.raises(DomainError) as error:
        photos.encode(data)
    assert error.value.details["field"] == "photo"
    return error.value.code


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_come_out_as_small_jpegs(fmt):
    sizes = photos.encode(encoded(Image.new("RGB", (1600, 900), (30, 120, 200)), fmt))
    for name, (side, budget) in photos.SIZES.items():
        image = Image.open(io.BytesIO(sizes[name]))
        assert image.format == "JPEG" and max(image.size) <= side and len(sizes[name]) <= budget


def test_metadata_is_dropped_and_orientation_applied():
    image = Image.new("RGB", (400, 200), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    exif[0x010F] = "secret camera"
    out = Image.open(io.BytesIO(photos.encode(encoded(image, "JPEG", exif=exif.tobytes()))["large"]))
    assert out.size[0] < out.size[1]  # now upright: portrait
    assert not out.getexif()


def test_transparency_is_flattened_onto_white():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    out = Image.open(io.BytesIO(photos.encode(encoded(image, "PNG"))["thumb"])).convert("RGB")
    assert min(out.getpixel((50, 50))) > 240


def test_noise_still_fits_the_budget():
    noise = Image.effect_noise((2000, 1500), 100).convert("RGB")
    for name, content in photos.encode(encoded(noise, "JPEG", quality=95)).items():
        assert len(content) <= photos.SIZES[name][1]


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4", b"GIF89a" + b"\0" * 40, b"<svg xmlns='http://www.w3.org/2000/svg'/>"])
def test_what_is_not_a_photo_is_refused(data):
    assert code_of(data) == "invalid_photo"


def test_gif_is_refused():
    assert code_of(encoded(Image.new("P", (10, 10)), "GIF")) == "invalid_photo"


def test_a_truncated_file_is_refused():
    data = encoded(Image.effect_noise((300, 300), 50).convert("RGB"), "PNG")
    assert code_of(data[: len(data) // 2]) == "invalid_photo"


def test_too_many_bytes_is_refused():
    assert code_of(b"\xff\xd8" + b"\0" * (photos.MAX_UPLOAD_BYTES + 1)) == "photo_too_large"


def test_too_many_pixels_is_refused():
    # 8000 × 6000 = 48 Mpx of one colour: a tiny file that would take 144 MB to decode
    assert code_of(encoded(Image.new("L", (8000, 6000)), "PNG", optimize=True)) == "photo_too_large"
