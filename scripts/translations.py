"""Extract, update and compile the Chinese catalogues, one per domain package.

    python scripts/translations.py            # extract + update every catalogue, then compile
    python scripts/translations.py compile    # compile only (.po → .mo)

A catalogue lives in points/<domain>/translations/zh/LC_MESSAGES/messages.po (the foundation's in
points/translations) and covers that package's Python files and templates/<domain>/. English is the source
language, so there is no English catalogue.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "points"
# The foundation owns the shared templates and every package that has no catalogue of its own.
FOUNDATION_TEMPLATES = ["base.html", "_macros", "errors", "web", "accounts", "ledger", "units"]


def catalogues() -> list[tuple[Path, list[Path]]]:
    domains = sorted(p.parent for p in PACKAGE.glob("*/translations") if p.is_dir())
    result = []
    for domain in domains:
        sources = [domain, ROOT / "templates" / domain.name]
        result.append((domain / "translations", [s for s in sources if s.exists()]))
    own = {d.name for d in domains}
    foundation = [p for p in PACKAGE.iterdir() if (p.suffix == ".py") or (p.is_dir() and p.name not in own and (p / "__init__.py").exists())]
    foundation += [ROOT / "templates" / name for name in FOUNDATION_TEMPLATES if (ROOT / "templates" / name).exists()]
    result.insert(0, (PACKAGE / "translations", foundation))
    return result


def run(*args: str | Path) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *map(str, args)], check=True, cwd=ROOT)


def main() -> None:
    compile_only = sys.argv[1:] == ["compile"]
    for directory, sources in catalogues():
        po = directory / "zh" / "LC_MESSAGES" / "messages.po"
        if not compile_only:
            directory.mkdir(parents=True, exist_ok=True)
            pot = directory / "messages.pot"
            run("extract", "-F", ROOT / "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location", "--sort-output",
                "--omit-header", "-o", pot, *[s.relative_to(ROOT) for s in sources])
            if po.exists():
                run("update", "-i", pot, "-d", directory, "-l", "zh", "--no-fuzzy-matching", "--ignore-obsolete")
            else:
                run("init", "-i", pot, "-d", directory, "-l", "zh")
            pot.unlink()
        if po.exists():
            run("compile", "-d", directory, "-l", "zh", "--use-fuzzy")


if __name__ == "__main__":
    main()
