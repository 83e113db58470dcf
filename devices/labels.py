"""The project's own words on a receipt (``单号 No.``), kept apart from the data it prints (a
member's or store's name), so each printer prints them in words it has.

A :class:`Label` holds the Simplified Chinese and the English. How it prints depends on the
printer's encoding (:attr:`devices.text.Encoding.labels`):

* GB18030, GBK and UTF-8 print ``单号 No.`` (Simplified and English);
* Big5 prints ``單號 No.``: its Traditional Chinese, from :data:`TRADITIONAL` (written by hand:
  a label is a fixed, short set of words, and a converter would add a dependency and guesses to
  every till for what a table says plainly; ``tests/devices/test_labels.py`` checks the table
  against OpenCC's Hong Kong conversion and that every label encodes in Big5);
* a one-byte code page (CP437, CP858, ...) prints ``No.``: the English only.

Data never goes through this module: a name keeps its characters, and one the printer lacks is
replaced as :mod:`devices.text` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Script = Literal["zh-Hans", "zh-Hant", "en"]


@dataclass(frozen=True)
class Label:
    """Words the project prints: ``zh`` (Simplified) and ``en``.

    ``both`` false prints one language only (Chinese where the printer has it, else English):
    for a sentence whose two halves would not fit a line together. ``sep`` joins the two when
    both print (``"\\n"`` puts the English on a line of its own).
    """

    zh: str
    en: str
    both: bool = True
    sep: str = " "

    def render(self, script: Script) -> str:
        if script == "en":
            return self.en
        zh = to_traditional(self.zh) if script == "zh-Hant" else self.zh
        if not self.both or not self.en:
            return zh
        return f"{zh}{self.sep}{self.en}" if zh else self.en


#: A mix of labels and data printed as one string: ``(Label("收银员", "Cashier"), " ", name)``.
Words = str | Label | tuple["str | Label", ...]


def render(words: Words, script: Script) -> str:
    """``words`` as the printer prints them, labels in ``script``."""
    if isinstance(words, Label):
        return words.render(script)
    if isinstance(words, str):
        return words
    return "".join(render(part, script) for part in words)


def split(text: str) -> str | Label:
    """A bilingual label that arrives as text in a payload (``"销售额 Sales total"``, a Z report's
    rows) as a :class:`Label`: the Chinese runs to its last CJK character, the English is the
    rest. Text without Chinese, or without English after it, stays data."""
    last = max((i for i, c in enumerate(text) if _is_cjk(c)), default=-1)
    zh, en = text[:last + 1].strip(), text[last + 1:].strip()
    if last < 0 or not en:
        return text
    return Label(zh, en)


def to_traditional(text: str) -> str:
    """The Traditional Chinese of a label: :data:`WORDS` first (a character whose Traditional
    form depends on the word), then :data:`TRADITIONAL` character by character; anything else
    stays as written."""
    for simplified, traditional in WORDS.items():
        text = text.replace(simplified, traditional)
    return "".join(TRADITIONAL.get(c, c) for c in text)


def _is_cjk(c: str) -> bool:
    return "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef"


#: Words whose characters convert differently alone: 余 is "I" alone but 餘 in 余额 (balance);
#: 签 is 籤 (a slip) alone but 簽 in 签名 (signature).
WORDS = {"余额": "餘額", "签名": "簽名"}

#: Simplified → Traditional for every character the receipts' labels use that differs (as Hong
#: Kong and Taiwan shops print them: 收銀台, not the formal 收銀臺).
TRADITIONAL = {
    "业": "業", "优": "優", "会": "會", "体": "體", "储": "儲", "凭": "憑", "别": "別",
    "单": "單", "号": "號", "员": "員", "备": "備", "宝": "寶", "实": "實", "宽": "寬",
    "应": "應", "开": "開", "报": "報", "数": "數", "时": "時", "机": "機", "欢": "歡",
    "测": "測", "点": "點", "现": "現", "码": "碼", "确": "確", "积": "積", "笔": "筆",
    "级": "級", "纸": "紙", "编": "編", "营": "營", "计": "計", "证": "證", "识": "識",
    "试": "試", "请": "請", "谢": "謝", "账": "賬", "购": "購", "赠": "贈", "转": "轉",
    "还": "還", "续": "續", "选": "選", "钻": "鑽", "银": "銀", "销": "銷", "门": "門", "间": "間",
    "顾": "顧", "额": "額", "签": "籤", "记": "記", "遗": "遺", "补": "補", "内": "內",
    "价": "價", "张": "張", "挂": "掛", "礼": "禮", "荐": "薦", "过": "過", "为": "為",
    "节": "節", "费": "費", "扫": "掃", "隐": "隱",
    "预": "預", "协": "協", "议": "議", "变": "變", "动": "動", "减": "減", "与": "與",
}
