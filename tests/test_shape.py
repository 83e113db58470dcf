"""The shape the code keeps (issue 15): services answer with types, not dicts; the UI says Any
only where a value crosses a Qt signal, and says so."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _public_signatures(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        methods = [(f"{node.name}.", n) for n in node.body] if isinstance(node, ast.ClassDef) \
            else [("", node)]
        for prefix, fn in methods:
            if isinstance(fn, ast.FunctionDef) and not fn.name.startswith("_"):
                returns = ast.unparse(fn.returns) if fn.returns else ""
                found.append((prefix + fn.name, f"{ast.unparse(fn.args)} -> {returns}"))
    return found


def test_no_public_service_takes_or_answers_with_untyped_values() -> None:
    untyped = [f"{path.name}: {name}({signature})"
               for path in sorted((ROOT / "storeapp" / "services").glob("*.py"))
               for name, signature in _public_signatures(path) if "Any" in signature]
    assert untyped == []


def test_the_ui_says_any_only_at_qt_boundaries() -> None:
    unexplained = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            code = line.split("#", 1)[0]
            if "Any" not in code.replace('"""', "") or code.lstrip().startswith(("from ", '"')):
                continue
            if "Any key" in line:  # prose
                continue
            said = "Qt boundary" in line or any("Qt boundary" in above
                                                for above in lines[max(0, number - 3):number])
            if not said:
                unexplained.append(f"{path.relative_to(ROOT)}:{number + 1}: {line.strip()}")
    assert unexplained == []
