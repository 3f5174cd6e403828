"""How the fakes depend on each other: a platform's fake builds on the shared control plane
(fakes.base), the demo declarations (fakes.demo) and, for the Meta family, fakes.meta; it
never imports another platform's fake. Nothing under channels/ imports the fakes."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = {"fakes", "fakes.base", "fakes.demo", "fakes.crowd"}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_platform_fakes_do_not_import_each_other() -> None:
    for path in sorted((ROOT / "fakes").glob("*.py")):
        if path.stem in ("__init__", "base", "demo", "crowd"):
            continue
        fakes = {name for name in imported(path) if name == "fakes" or name.startswith("fakes.")}
        allowed = SHARED | {name for name in fakes if name.startswith("fakes.meta")}
        assert fakes <= allowed, f"{path.name} imports {sorted(fakes - allowed)}"


def test_the_meta_family_shares_fakes_meta_and_not_facebooks_fake() -> None:
    for platform in ("instagram", "whatsapp", "facebook"):
        names = imported(ROOT / "fakes" / f"{platform}.py")
        assert any(name.startswith("fakes.meta") for name in names), platform
        assert not names & {"fakes.facebook", "fakes.instagram", "fakes.whatsapp"}, platform
    for path in (ROOT / "fakes" / "meta").glob("*.py"):
        fakes = {n for n in imported(path) if n.startswith("fakes.")}
        assert {n for n in fakes if not n.startswith(("fakes.meta", "fakes.base"))} == set(), path


def test_nothing_under_channels_imports_the_fakes() -> None:
    for path in (ROOT / "channels").rglob("*.py"):
        names = imported(path)
        assert not {n for n in names if n == "fakes" or n.startswith("fakes.")}, path
