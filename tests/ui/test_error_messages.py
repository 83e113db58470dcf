"""Every error the till can raise reads in the till's language: each code (and variant) the
source raises has a template in :mod:`ui.messages`, a finished Chinese translation with the same
placeholders, and its raise sites pass every value the template names.

The codes are found by reading the source (``ast``), not by a list kept by hand: calls of
:class:`storeapp.errors.DomainError` and its subclasses with a literal code, and the classes'
default codes, in storeapp/, sync/, devices/ and ui/, and in tools/ (the bulk demo refuses
through ``storeapp demo --ledger-rows``). ``docs/error-messages.md`` is the table of them all,
English and Chinese, made from the same data: when it differs this test rewrites it and fails, so
the new table is reviewed and committed with the change.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from devices import jobs
from storeapp import storage
from storeapp.errors import AuthError, DomainError, InvalidInput, Refused
from sync import guard
from ui import i18n, messages

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("storeapp", "sync", "devices", "ui", "tools")
TS = ROOT / "resources" / "i18n" / "storeapp_zh_CN.ts"
TABLE = ROOT / "docs" / "error-messages.md"
PLACEHOLDER = re.compile(r"\{(\w+)\}")

#: Raise sites whose code is not written where they raise: (file, function) -> the codes.
DYNAMIC: dict[tuple[str, str], Callable[[], set[str]]] = {
    ("storeapp/storage.py", "explain"): lambda: {code for _, code, _ in storage._FAULTS},
    ("devices/jobs.py", "_failed"): lambda: set(jobs._ERROR_CODES.values()),
    # head office's own codes, passed on: the ones a till shows a person are HEAD_OFFICE
    ("sync/http.py", "_answer"): set,
    ("sync/guard.py", "hold"): set,
}
#: Head office's refusals a till shows a person: in the sync status and dialog (the till's token
#: or clock, its records), or refusing a stored-value spend (sync.guard). Others (a malformed
#: batch: a bug, not a person's to fix) show head office's English message.
HEAD_OFFICE = {"revoked", "bad_token", "bad_signature", "stale_request", "too_many_failures",
               "wrong_store", "event_conflict", "payout_exceeds_principal", "wallet_blocked",
               "insufficient_balance.chain", "giftcard_insufficient.chain", "giftcard_expired",
               "coupon_used.chain", "coupon_held", "numbering_went_back"}


@dataclass
class Raised:
    """One template key (``code`` or ``code.variant``): where it is raised, and the values
    every one of those places passes (what its template may name)."""

    sites: set[str] = field(default_factory=set)
    params: set[str] | None = None  # None until a site is seen

    def add(self, site: str, params: set[str]) -> None:
        self.sites.add(site)
        self.params = set(params) if self.params is None else self.params & params


def scan(trees: dict[str, ast.Module] | None = None) -> tuple[dict[str, Raised], list[str]]:
    """Every key the source raises, and the raise sites this scan cannot read."""
    if trees is None:
        trees = {path.relative_to(ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
                 for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}
    classes = _error_classes(trees)
    raised: dict[str, Raised] = {}
    unreadable: list[str] = []
    for rel, tree in trees.items():
        for owner, function, node in _walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in classes:
                for default in _class_codes(node):  # raised when no code is given: no values
                    raised.setdefault(default, Raised()).sites.add(f"{rel} ({node.name})")
            if not isinstance(node, ast.Call):
                continue
            name = _called(node, classes)
            if name is None or (name == "__init__" and owner not in classes) or (
                    name == "__init__" and owner == "DomainError"):  # that is Exception's
                continue
            site = f"{rel}:{node.lineno}"
            cls = classes[name]
            if not cls.takes_code:
                continue  # its code is fixed in its __init__: that super().__init__ is the site
            code = node.args[0] if node.args else _keyword(node, "code")
            if isinstance(code, ast.Name) and code.id == "code" and name == "__init__":
                continue  # a subclass passing its own ``code`` argument on
            params = {k.arg for k in node.keywords if k.arg not in (None, "variant", "code")}
            params |= cls.adds
            variants = _literals(_keyword(node, "variant"))
            codes = ({code.value} if isinstance(code, ast.Constant) else
                     DYNAMIC[rel, function]() if (rel, function) in DYNAMIC else None)
            if codes is None or variants is None or any(k.arg is None for k in node.keywords):
                if (rel, function) not in DYNAMIC:
                    unreadable.append(site)
                continue
            for each in codes:
                for variant in variants:
                    raised.setdefault(_key(each, variant), Raised()).add(rel, params)
    for key, params in _head_office(trees).items():
        raised.setdefault(key, Raised()).add("sync/hq (head office)", params)
    return raised, unreadable


@dataclass
class _ErrorClass:
    takes_code: bool = True  # its first argument is the code
    adds: set[str] = field(default_factory=set)  # params its __init__ always passes


def _error_classes(trees: dict[str, ast.Module]) -> dict[str, _ErrorClass]:
    """DomainError and every subclass in the source (``__init__``: super().__init__ calls)."""
    defs = {node.name: node for tree in trees.values() for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)}
    found: dict[str, _ErrorClass] = {"DomainError": _ErrorClass(), "__init__": _ErrorClass()}
    grown = True
    while grown:
        grown = False
        for name, node in defs.items():
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                     for b in node.bases}
            if name not in found and bases & set(found) - {"__init__"}:
                found[name] = _class_of(node)
                grown = True
    return found


def _class_of(node: ast.ClassDef) -> _ErrorClass:
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            args = [a.arg for a in item.args.args[1:]]
            adds = {k.arg for call in ast.walk(item) if isinstance(call, ast.Call)
                    and getattr(call.func, "attr", "") == "__init__"
                    for k in call.keywords if k.arg not in (None, "variant")}
            return _ErrorClass(bool(args) and args[0] == "code", adds)
    return _ErrorClass()


def _walk(tree: ast.AST) -> Iterator[tuple[str, str, ast.AST]]:
    """Every node with the names of the class and the function it is in."""

    def walk(node: ast.AST, owner: str, function: str) -> Iterator[tuple[str, str, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            yield owner, function, child
            yield from walk(child, child.name if isinstance(child, ast.ClassDef) else owner,
                            child.name if isinstance(child, ast.FunctionDef) else function)

    yield from walk(tree, "", "")


def _called(call: ast.Call, classes: dict[str, _ErrorClass]) -> str | None:
    """The error class ``call`` makes (``super().__init__`` counts as its own class's)."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr \
        if isinstance(func, ast.Attribute) else None
    if name == "__init__" and not (isinstance(func, ast.Attribute)
                                   and isinstance(func.value, ast.Call)
                                   and getattr(func.value.func, "id", "") == "super"):
        return None
    return name if name in classes else None


def _class_codes(node: ast.ClassDef) -> list[str]:
    return [item.value.value for item in node.body if isinstance(item, ast.Assign)
            and any(getattr(t, "id", "") == "code" for t in item.targets)
            and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str)]


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _literals(node: ast.expr | None) -> list[str] | None:
    """The values a variant argument can take: a literal, or a choice between literals."""
    if node is None:
        return [""]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _key(code: str, variant: str) -> str:
    return f"{code}.{variant}" if variant else code


def _head_office(trees: dict[str, ast.Module]) -> dict[str, set[str]]:
    """HEAD_OFFICE with the params head office sends for each (its ``HqRefusal`` calls); a
    code head office never sends is left out (and its test fails)."""
    found: dict[str, set[str] | None] = {}
    literals: set[str] = set()
    for rel, tree in trees.items():
        if not rel.startswith("sync/hq/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "HqRefusal"
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)):
                params = {k.arg for k in node.keywords
                          if k.arg not in (None, "flag", "flag_once")}
                code = str(node.args[1].value)
                before = found.get(code)
                found[code] = params if before is None else before & params
    return {key: found.get(key.partition(".")[0]) or set() for key in HEAD_OFFICE
            if key.partition(".")[0] in literals}


RAISED, UNREADABLE = scan()


def _translations() -> dict[str, tuple[str, str | None]]:
    """The Errors context of the Chinese .ts: source -> (translation, its type attribute)."""
    root = ET.parse(TS).getroot()
    found = {}
    for context in root.iter("context"):
        if context.findtext("name") != messages.CONTEXT:
            continue
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            found[message.findtext("source") or ""] = (translation.text or "",
                                                       translation.get("type"))
    return found


ZH = _translations()


def test_every_raise_site_says_its_code_and_variant_where_the_scan_can_read_them() -> None:
    assert UNREADABLE == [], "write the code and variant as literals (or list the site in " \
                             f"DYNAMIC with where its codes come from): {UNREADABLE}"
    assert len(RAISED) > 100


def test_the_scan_reads_codes_variants_and_values_and_flags_what_it_cannot_read() -> None:
    source = """
class DomainError(Exception):
    code = "refused"
class Refused(DomainError):
    pass
class Fixed(Refused):
    def __init__(self, who):
        super().__init__("fixed", "Fixed", who=who)
def f(code, n, frozen):
    raise Refused("over", "Over", cap_fen=n, variant="a" if frozen else "b")
def g(code):
    raise Refused(code, "Computed")
def h(v):
    raise Refused("chosen", "Chosen", variant=v)
def i(values):
    raise Refused("spread", "Spread", **values)
"""
    raised, unreadable = scan({"x.py": ast.parse(source)})
    assert {key: sorted(r.params or ()) for key, r in raised.items()
            if "head office" not in str(r.sites)} == {
        "refused": [], "fixed": ["who"], "over.a": ["cap_fen"], "over.b": ["cap_fen"]}
    assert unreadable == ["x.py:12", "x.py:14", "x.py:16"]


def test_the_refusals_of_head_office_a_till_shows_are_ones_it_sends() -> None:
    passed = {_key(code, variant) for code, (variant, _) in guard._MESSAGES.items()}
    assert passed - HEAD_OFFICE == set(), "sync.guard passes on a refusal HEAD_OFFICE omits"
    sent = {key for key, raised in RAISED.items() if "sync/hq (head office)" in raised.sites}
    assert HEAD_OFFICE - sent == set(), "head office never sends these"


@pytest.mark.parametrize("key", sorted(RAISED))
def test_the_code_has_a_template_its_raise_sites_fill_and_a_chinese_translation(
        key: str) -> None:
    template = messages.TEMPLATES.get(key)
    assert template is not None, f"{key} (raised in {sorted(RAISED[key].sites)}) has no " \
                                 "template in ui/messages.py"
    named = set(PLACEHOLDER.findall(template))
    passed = RAISED[key].params or set()
    assert named <= passed, f"{key}: the template names {sorted(named - passed)}, which " \
                            f"not every raise site passes (all pass {sorted(passed)})"
    assert template in ZH, f"{key}: not in {TS.name}: run scripts/i18n"
    chinese, kind = ZH[template]
    assert kind is None and chinese.strip(), f"{key}: translate it in {TS.name}"
    assert set(PLACEHOLDER.findall(chinese)) == named, f"{key}: {chinese!r} != {template!r}"


def test_every_template_is_for_a_code_something_raises() -> None:
    assert set(messages.TEMPLATES) - set(RAISED) == set()


def test_the_table_of_error_messages_is_current() -> None:
    table = _table()
    if not TABLE.exists() or TABLE.read_text(encoding="utf-8") != table:
        TABLE.write_text(table, encoding="utf-8")
        pytest.fail(f"{TABLE.relative_to(ROOT)} was out of date and has been rewritten: "
                    "review it and commit it with the change")


def _table() -> str:
    lines = [
        "# Error messages",
        "",
        "Every code (and variant) the till can raise, with the values its raise sites pass and",
        "what the counter shows for it in English and Chinese (`ui/messages.py`,",
        "`resources/i18n/storeapp_zh_CN.ts`). `*_fen` values show as money (¥1,234.56). A code",
        "shown without its values (or one not listed: head office's own) shows the core's",
        "English message instead. The command line's JSON error carries the code, that message",
        "and the values (`params`).",
        "",
        "Generated by `tests/ui/test_error_messages.py`: do not edit by hand.",
        "",
        "| Code | Values | English | 中文 | Raised in |",
        "|---|---|---|---|---|",
    ]
    for key in sorted(RAISED):
        raised = RAISED[key]
        code, _, variant = key.partition(".")
        template = messages.TEMPLATES.get(key, "")
        cells = [f"`{code}`" + (f" ({variant})" if variant else ""),
                 ", ".join(sorted(raised.params or ())),
                 template, ZH.get(template, ("", None))[0],
                 ", ".join(sorted({site.partition(" ")[0] for site in raised.sites}))]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


# -- what the cashier reads ---------------------------------------------------------------------

@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    assert i18n.install(qapp, "zh_CN") is not None
    yield
    i18n.install(qapp, "en")


def _over_cap() -> Refused:
    return Refused("over_cap", "A named card may hold at most ¥5,000.00; …", cap_fen=500_000,
                   after_fen=535_000, room_fen=20_000)


def test_chinese_fills_the_template_with_the_values_money_as_money(chinese: None) -> None:
    assert messages.readable(_over_cap()) == \
        "记名卡最多储值 ¥5,000.00；本次充值（含赠送）后将达 ¥5,350.00，最多还能充 ¥200.00。"
    limit = Refused("offline_limit_txn", "Head office is unreachable: …", max_fen=50_000,
                    amount_fen=60_000)
    assert "¥500.00" in messages.readable(limit) and "总部" in messages.readable(limit)
    pin = AuthError("wrong_pin", "Wrong payment PIN (2 tries left)", variant="tries_left",
                    tries_left=2)
    assert messages.readable(pin) == "支付密码错误，还可尝试 2 次。"
    assert messages.readable(AuthError("wrong_pin", "…", variant="locked")) == \
        "支付密码错误，密码已锁定。"


def test_english_shows_the_template_filled_in(qapp: QApplication) -> None:
    i18n.install(qapp, "en")
    assert messages.readable(_over_cap()) == (
        "A named card holds at most ¥5,000.00; with this top-up and its bonus it would hold "
        "¥5,350.00. At most ¥200.00 more fits.")


def test_missing_values_or_an_unknown_code_show_the_core_message(chinese: None) -> None:
    assert messages.readable(Refused("over_cap", "The core's words")) == "The core's words"
    assert messages.readable(Refused("over_cap", "The core's words", cap_fen=1)) == \
        "The core's words"
    assert messages.readable(Refused("no_such_code", "As the core says")) == "As the core says"
    assert messages.readable(InvalidInput("bad_amount", "Odd", variant="no_such_variant")) \
        == "Odd"


def test_a_recorded_refusal_reads_by_its_code(chinese: None) -> None:
    """The sync status keeps "message [code]" only: a template without values still reads."""
    assert messages.domain_message("revoked", "the token of store 0001 was revoked") == \
        "总部已停用本店令牌：请向总部索取新令牌后重新连接。"


def test_anything_else_is_a_calm_generic_line(chinese: None) -> None:
    assert messages.readable(KeyError("x")) == "系统出错（KeyError），本次交易未做任何更改。"
    assert isinstance(_over_cap(), DomainError)
