"""Outside text reaches Content only as UserText: no code builds trusted text by interpolation.

Trusted text (`text(...)`, a ``str`` segment of ``Content``, a cog's ``reply(event, "...")``) is
Steward's own words. An f-string, ``+``, ``%`` or ``.format`` there could carry a name or a
reason in as markup; such values go through ``fmt``, which makes every ``str`` value UserText.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SINKS = {"text", "Content", "reply", "modlog"}


def _builds_text(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return any(isinstance(side, (ast.Constant, ast.JoinedStr)) and not isinstance(getattr(side, "value", ""), int)
                   for side in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return True
    if isinstance(node, (ast.Tuple, ast.List)):
        return any(_builds_text(e) for e in node.elts)
    return False


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def offenders() -> list[str]:
    found = []
    for package in ("bot", "cogs", "adapters", "steward"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and _name(node.func) in SINKS:
                    for arg in [*node.args, *(k.value for k in node.keywords if k.arg in ("segments", "message"))]:
                        if _builds_text(arg):
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(arg)[:80]}")
    return found


def test_no_trusted_text_is_built_by_interpolation() -> None:
    assert offenders() == []


def test_the_check_sees_interpolation() -> None:
    tree = ast.parse('reply(event, f"Case #{n}: banned {target.name}.")\ntext("a" + name)\n'
                     'Content((f"by {who}", UserText(x)))\nfmt("Case #{n}", n=1)\n')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) in SINKS]
    assert [any(_builds_text(a) for a in c.args) for c in calls] == [True, True, True]
