"""Uploaded photos (a reward's picture, a suggestion's 随手拍): checked by what Pillow finds in the bytes (not the
name or the browser's word), re-encoded as small JPEGs without metadata, and stored under instance/uploads/<kind>/
by a random token. One place for every domain that takes photos.

Files follow the transaction of the service that stores them: written under a temporary name at once (so a full
disk fails the service), renamed into place when it commits, removed when it rolls back. A failed service leaves no
photo behind, and no record names a photo that is not there.

Each size has a byte budget so that a resident's page with its pictures stays under 50 KB (§10).
"""
from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from .db import on_commit, on_rollback
from .errors import DomainError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# name → (longest side in px, byte budget). The large one fills a 360 px screen; the thumb is drawn at 64 px.
SIZES: dict[str, tuple[int, int]] = {"large": (480, 30_000), "thumb": (128, 5_000)}


TOO_LARGE = _l("The photo is larger than 5 MB. Please choose a smaller one.")
TOO_MANY_PIXELS = _l("The photo has too many pixels. Please choose a smaller one.")


class InvalidPhoto(DomainError):
    code = "invalid_photo"
    message = _l("Please choose a photo in JPEG, PNG or WebP format.")


def photo_dir(kind: str) -> Path:
    """Where photos of one kind ("rewards", "proposals") live."""
    if not kind.isalpha():
        raise ValueError("bad photo kind")
    base = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    return Path(base) / kind


def photo_path(kind: str, token: str, size: str) -> Path:
    if size not in SIZES or not token.isalnum():
        raise ValueError("bad photo name")
    return photo_dir(kind) / f"{token}-{size}.jpg"


def encode(data: bytes) -> dict[str, bytes]:
    """Check an upload and re-encode it in every size. Raises InvalidPhoto naming the field `photo`."""
    if not data:
        raise InvalidPhoto(field="photo")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidPhoto(TOO_LARGE, code="photo_too_large", field="photo")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise InvalidPhoto(field="photo")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise InvalidPhoto(TOO_MANY_PIXELS, code="photo_too_large", field="photo")
            probe.verify()  # a truncated or corrupt file fails here, before we decode it for real
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = _on_white(image)
    except InvalidPhoto:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise InvalidPhoto(field="photo") from error
    return {name: _jpeg_within(image, side, budget) for name, (side, budget) in SIZES.items()}


def store(data: bytes, kind: str) -> str:
    """Encode and write every size under `kind`, in place once the service's transaction commits (see the module's
    docstring); returns the token that names the files."""
    encoded = encode(data)
    token = secrets.token_hex(12)
    directory = photo_dir(kind)
    directory.mkdir(parents=True, exist_ok=True)
    moves = []
    try:
        for size, content in encoded.items():
            target = photo_path(kind, token, size)
            partial = target.with_suffix(".partial")
            moves.append((partial, target))
            partial.write_bytes(content)
    except OSError:
        _remove([partial for partial, _ in moves])
        raise
    on_rollback(lambda: _remove([partial for partial, _ in moves]))
    on_commit(lambda: [partial.replace(target) for partial, target in moves])
    return token


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _on_white(image: Image.Image) -> Image.Image:
    """JPEG has no transparency: flatten onto white rather than the black Pillow would give."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        ground = Image.new("RGB", rgba.size, (255, 255, 255))
        ground.paste(rgba, mask=rgba.getchannel("A"))
        return ground
    return image.convert("RGB")


def _jpeg_within(image: Image.Image, side: int, budget: int) -> bytes:
    """The best-looking JPEG of at most `side` px that fits in `budget` bytes: lower quality, then size."""
    while True:
        copy = image.copy()
        copy.thumbnail((side, side), Image.Resampling.LANCZOS)
        for quality in (75, 65, 55, 45, 35):
            out = io.BytesIO()
            copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
            if out.tell() <= budget or side <= 48:
                return out.getvalue()
        side = int(side * 0.8)
