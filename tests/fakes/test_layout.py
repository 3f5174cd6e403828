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


def platform_modules() -> list[tuple[str, Path]]:
    """(platform, file) for every fake: fakes/<platform>.py or the package fakes/<platform>/."""
    found = []
    for path in sorted((ROOT / "fakes").iterdir()):
        if path.suffix == ".py" and path.stem not in ("__init__", "base", "demo", "crowd"):
            found.append((path.stem, path))
        elif path.is_dir() and path.name not in ("meta", "__pycache__"):
            found += [(path.name, file) for file in sorted(path.glob("*.py"))]
    return found


def test_platform_fakes_do_not_import_each_other() -> None:
    assert {platform for platform, _ in platform_modules()} >= {"x", "telegram", "whatsapp", "facebook", "instagram"}
    for platform, path in platform_modules():
        fakes = {name for name in imported(path) if name == "fakes" or name.startswith("fakes.")}
        allowed = SHARED | {n for n in fakes if n.startswith("fakes.meta") or n.startswith(f"fakes.{platform}.")}
        assert fakes <= allowed, f"{path} imports {sorted(fakes - allowed)}"


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
