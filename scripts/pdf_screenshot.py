"""Render page 1 of a PDF to a PNG, to look at a report as a person would (and for the README).

    python scripts/pdf_screenshot.py in.pdf out.png [--scale 2]

Uses pypdfium2 (the dev extra), so no poppler is needed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # ships no type hints


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--scale", type=float, default=2.0,
                        help="pixels per PDF point (2 = 144 dpi, a sharp A4 page)")
    args = parser.parse_args(argv)
    screenshot(args.pdf, args.png, args.scale)
    print(args.png)
    return 0


def screenshot(pdf: Path, png: Path, scale: float = 2.0) -> Path:
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=scale).to_pil()
        png.parent.mkdir(parents=True, exist_ok=True)
        image.save(png, optimize=True)
    finally:
        document.close()
    return png


if __name__ == "__main__":
    raise SystemExit(main())
