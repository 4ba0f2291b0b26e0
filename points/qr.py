"""QR codes as inline SVG: error correction M, quiet zone 4, crisp at any print size."""
from __future__ import annotations

import re
from functools import lru_cache

import qrcode
import qrcode.image.svg
from markupsafe import Markup


@lru_cache(maxsize=4096)  # member codes never change; drawing one costs ~10 ms of pure Python
def qr_svg(data: str, *, title: str = "", css_class: str = "qr") -> Markup:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=10,
                       image_factory=qrcode.image.svg.SvgPathImage)
    qr.add_data(data)
    qr.make(fit=True)
    image = qr.make_image()
    svg = image.to_string(encoding="unicode")
    # Scale with the box it is put in (no fixed mm size) and keep dark modules on a white ground for cameras
    # (the stylesheet's `svg.qr`: a style attribute would need the Content-Security-Policy to allow inline styles).
    svg = re.sub(r' (width|height)="[^"]*mm"', "", svg, count=2)
    svg = svg.replace(
        "<svg ",
        f'<svg class="{css_class}" role="img" aria-label="{Markup.escape(title)}" ',
        1,
    )
    return Markup(svg)
