"""QR codes (SVG, drawn by segno) for the self-registration links."""

from __future__ import annotations

import segno


def qr_svg(url: str) -> str:
    """An inline `<svg>` of the link, medium error correction, sized for an A4 poster."""
    code = segno.make(url, error="m", micro=False)
    return str(code.svg_inline(scale=8, border=2, dark="#000", light="#fff"))
