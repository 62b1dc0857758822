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


def _into_segments(node: ast.AST) -> list[ast.expr]:
    """What is added to a list of segments being built (``segments.append(x)``, ``segments += [x]``)."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("append", "extend")
            and isinstance(node.func.value, ast.Name) and "segments" in node.func.value.id):
        return list(node.args)
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name) \
            and "segments" in node.target.id and node.value is not None:
        return [node.value]
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and "segments" in t.id for t in node.targets):
        return [node.value]
    return []


def offenders() -> list[str]:
    found = []
    for package in ("bot", "cogs", "adapters", "steward"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                args = _into_segments(node)
                if isinstance(node, ast.Call) and _name(node.func) in SINKS:
                    args += [*node.args, *(k.value for k in node.keywords if k.arg in ("segments", "message"))]
                for arg in args:
                    if _builds_text(arg):
                        found.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}: {ast.unparse(arg)[:80]}")
    return found


def test_no_trusted_text_is_built_by_interpolation() -> None:
    assert offenders() == []


def test_the_check_sees_interpolation() -> None:
    tree = ast.parse('reply(event, f"Case #{n}: banned {target.name}.")\ntext("a" + name)\n'
                     'Content((f"by {who}", UserText(x)))\nfmt("Case #{n}", n=1)\n')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) in SINKS]
    assert [any(_builds_text(a) for a in c.args) for c in calls] == [True, True, True]
    appended = ast.parse('segments.append(f" · by {case.by}")\nsegments += [f"Note: {note}"]\n')
    assert [any(_builds_text(a) for a in _into_segments(n)) for n in ast.walk(appended) if _into_segments(n)] == [
        True, True]
