"""The project's own words (devices.labels): how a label prints in each script, and the
hand-written Traditional Chinese table checked against OpenCC (the dev extra has it) for every
label the receipts print, the Z report's rows and the default tier names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from devices import receipts
from devices.labels import Label, render, split, to_traditional
from storeapp.services import shifts
from storeapp.settings import BY_NAME


def test_a_label_prints_in_the_printers_script() -> None:
    label = Label("单号", "No.")
    assert label.render("zh-Hans") == "单号 No."
    assert label.render("zh-Hant") == "單號 No."
    assert label.render("en") == "No."
    assert Label("合计", "Total", both=False).render("zh-Hant") == "合計"
    assert Label("合计", "Total", both=False).render("en") == "Total"
    assert Label("打印测试", "").render("en") == ""
    assert Label("到店", "At the counter", sep="\n").render("zh-Hans") == "到店\nAt the counter"
    assert render((Label("收银员", "Cashier", both=False), " 欧阳"), "zh-Hant") == "收銀員 欧阳"


def test_data_is_never_converted() -> None:
    """A name is what the member wrote: only labels go to Traditional."""
    assert render("欧阳晓梅", "zh-Hant") == "欧阳晓梅"


def test_bilingual_text_from_a_payload_splits_into_a_label() -> None:
    assert split("销售额 Sales total") == Label("销售额", "Sales total")
    assert split("Z 号 Z no.") == Label("Z 号", "Z no.")
    assert split("Z 报表 Z report") == Label("Z 报表", "Z report")
    assert split("金卡 Gold") == Label("金卡", "Gold")
    assert split("Gold") == "Gold"
    assert split("金卡") == "金卡"


def every_label() -> list[str]:
    """The Chinese of every label: the ``L(...)`` calls in devices/receipts.py, the Z report's
    rows and sections, and the default tiers."""
    source = Path(receipts.__file__).read_text(encoding="utf-8")
    found = {str(node.args[0].value) for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id == "L" and node.args and isinstance(node.args[0], ast.Constant)}
    report = {"shift_id": "S1", "opened_by": "c01", "opened_at": "2026-03-10T01:00:00",
              "closed_at": "2026-03-10T09:00:00", "at": "2026-03-10T09:00:00", "z_no": 3,
              "till_no": 1, "sales_count": 1, "sales_fen": 1, "refunds_count": 0,
              "refunds_fen": 0, "topup_principal_fen": 0, "topup_bonus_fen": 0,
              "net_by_method": {m: 1 for m in receipts.METHODS}, "float_fen": 0,
              "cash_in_fen": 0, "cash_out_fen": 0, "expected_cash_fen": 0, "counted_fen": 0,
              "variance_fen": 0}
    rows = shifts.receipt_rows(report)
    texts = [*rows["rows"], *rows["sections"],
             *(k for section in rows["sections"].values() for k in section),
             "X 报表 X report"]
    found |= {label.zh for label in map(split, texts) if isinstance(label, Label)}
    found |= {tier["name"] for tier in BY_NAME["tiers"].default}
    found |= {m.zh for m in receipts.METHODS.values()}
    assert len(found) > 80
    return sorted(found)


@pytest.mark.parametrize("zh", every_label())
def test_every_label_has_its_traditional_words_in_big5(zh: str) -> None:
    opencc = pytest.importorskip("opencc")
    traditional = to_traditional(zh)
    assert traditional == opencc.OpenCC("s2hk").convert(zh)
    assert traditional.encode("big5").decode("big5") == traditional
