"""The layers' import rules (issue 11): no import cycles, and the use cases (bot/services) never import how Podium
looks (bot/ui): the executor in bot/discord_adapter renders. Imports are read from the source (every import,
including those under TYPE_CHECKING and inside functions), and every module is imported in a fresh interpreter."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("bot.services", "bot.ui", "bot.discord_adapter")


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The bot modules `name` imports (`from bot.x import y` counts as bot.x.y when that is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def layer(module: str) -> str | None:
    return next((layer for layer in LAYERS if module == layer or module.startswith(layer + ".")), None)


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None
    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_services_never_import_the_ui() -> None:
    wrong = {(m, i) for m, deps in graph().items() if layer(m) == "bot.services" for i in deps
             if layer(i) == "bot.ui"}
    assert not wrong, f"services importing bot/ui (the executor in bot/discord_adapter renders): {sorted(wrong)}"


def test_no_import_cycle_among_the_layers() -> None:
    edges: dict[str, set[str]] = {}
    for module, deps in graph().items():
        if (source := layer(module)) is not None:
            edges.setdefault(source, set()).update(
                target for dep in deps if (target := layer(dep)) is not None and target != source)
    assert cycle(edges) is None, f"the layers import each other: {' -> '.join(cycle(edges) or [])}"


def test_no_import_cycle_between_modules() -> None:
    edges = graph()
    # A package's __init__ re-exporting its own modules is not a cycle of meaning: only other modules count.
    edges = {m: {d for d in deps if not m.startswith(d + ".") and not d.startswith(m + ".")}
             for m, deps in edges.items()}
    assert cycle(edges) is None, f"import cycle: {' -> '.join(cycle(edges) or [])}"


def test_every_module_imports_in_a_fresh_interpreter() -> None:
    names = [n for n in modules() if n != "bot.__main__"]
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = subprocess.run([sys.executable, "-c", code, *names], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
