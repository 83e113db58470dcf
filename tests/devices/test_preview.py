"""The preview: the same laid-out receipt drawn at the paper's dot width with a CJK font."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from devices import preview, receipts
from devices.layout import QR, Barcode, Line, Receipt, Text, lay_out
from devices.profiles import get_profile
from storeapp.db import Database
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from tests.devices.receipt_helpers import registration_payload, sale_payload, shop


@pytest.fixture
def shopper(db: Database, manager: object) -> MemberView:
    return shop(db)


@pytest.mark.parametrize("profile", ["58mm", "80mm", "TM-T88V"])
def test_the_preview_is_the_paper_width_and_not_blank(db: Database, shopper: MemberView,
                                                      profile: str, tmp_path: Path) -> None:
    receipt = receipts.build("sale", sale_payload(db, shopper, [TenderIn("wallet")]))
    path = preview.save_png(receipt, profile, tmp_path / "sale.png")
    with Image.open(path) as image:
        paper = get_profile(profile)
        assert image.format == "PNG" and image.width == paper.pixel_width
        lines = [op for op in lay_out(receipt, paper.columns, "gb18030") if isinstance(op, Line)]
        assert image.height > len(lines) * preview.LINE_DOTS  # every line has its own row
        dark = sum(image.convert("L").histogram()[:128])
        assert dark > image.width * image.height // 50  # text, QR and barcode are drawn


def test_hanzi_draw_as_glyphs_not_boxes() -> None:
    """A missing glyph draws the same box for every character; real hanzi differ."""
    shapes = {preview.render_image(Receipt("x", (Text(c),)), "58mm").tobytes() for c in "金卡余额"}
    assert len(shapes) == 4


def test_the_preview_qr_and_barcode_are_the_printer_fallback_pictures(
        db: Database, shopper: MemberView) -> None:
    image = preview.qr_image(shopper.qr, 6)
    assert image.width == image.height and image.width % 6 == 0
    bars = preview.barcode_image("R0001010000001", 2, 60)
    assert bars.height == 60 and bars.width == 2 * len(preview.barcode_modules("R0001010000001"))
    assert preview.barcode_module_px("R0001010000001", 384) == 2
    assert preview.barcode_module_px("R0001010000001", 576) == 3
    receipt = receipts.build("registration", registration_payload(db, shopper))
    assert any(isinstance(b, QR) for b in receipt.blocks)
    assert preview.render_image(Receipt("x", (Barcode("R0001010000001"),)), "80mm").width == 576


def test_no_cjk_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(preview.shutil, "which", lambda _name: None)
    monkeypatch.setattr(preview, "_FONT_FILES", (str(tmp_path / "none.ttc"),) * 2)
    preview._font_file.cache_clear()
    preview._font.cache_clear()
    try:
        with pytest.raises(preview.FontMissing, match="fonts-noto-cjk"):
            preview.render_image(Receipt("x", (Text("中文"),)))
    finally:
        preview._font_file.cache_clear()
        preview._font.cache_clear()
