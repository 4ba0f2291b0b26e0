"""Imports point one way: domains → ledger → accounts → units → core, with no arrow up (README, Layers)."""
from __future__ import annotations

import ast
from pathlib import Path

from points.domains import DOMAINS

PACKAGE = Path(__file__).resolve().parent.parent / "points"
RANK = {name: rank for rank, name in enumerate(DOMAINS)}  # core modules rank below every domain


def _imports(path: Path) -> list[str]:
    """Every module this file imports from inside `points`, as a dotted path below it ("ledger.services")."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - (node.level - 1)]) if node.level > 1 else list(package)
                target = base + (node.module.split(".") if node.module else [])
                names = [target + [alias.name] for alias in node.names] if not node.module else [target]
            elif node.module and node.module.startswith("points"):
                names = [node.module.split(".")[1:]]
            else:
                continue
            found += [".".join(n) for n in names if n]
        elif isinstance(node, ast.Import):
            found += [a.name.split(".", 1)[1] for a in node.names if a.name.startswith("points.")]
    return found


def _domain(dotted: str) -> str | None:
    top = dotted.split(".")[0]
    return top if top in RANK else None


def test_no_import_points_up():
    arrows = []
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = _domain(".".join(path.relative_to(PACKAGE).parts))
        for target in _imports(path):
            wanted = _domain(target)
            if wanted is None or wanted == source:
                continue
            if source is None or RANK[wanted] > RANK[source]:
                arrows.append(f"{path.relative_to(PACKAGE)} imports {target}")
    assert arrows == [], "imports that point up the layers:\n" + "\n".join(sorted(arrows))


def test_the_check_sees_an_arrow_up(tmp_path):
    """The parser resolves relative imports: ledger importing checkin is caught."""
    ledger = PACKAGE / "ledger" / "services" / "reads.py"
    assert "accounts.models" in _imports(ledger)
    assert _domain("checkin.earning") == "checkin" and RANK["checkin"] > RANK["ledger"]
