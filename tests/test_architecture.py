"""The architecture, checked: one-way dependencies, no cycles, a pinned public API, no
import-time side effects (DESIGN.md "Package layout", STYLE.md 1, 4 and 12)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import ember

ROOT = Path(ember.__file__).parent
EVERYTHING = {
    "_lazy",
    "errors",
    "layout",
    "storage",
    "scheduling",
    "interaction",
    "offload",
    "link",
    "text",
    "world",
    "game",
    "portal",
    "cli",
    "cli_accounts",
    "cli_server",
}

# Which parts of ember each part may import. A new package must be added here on purpose.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    # How ember, ember.game and ember.offload import their public names on first use.
    "_lazy": set(),
    # The game directory's file names: the portal (link only), the scheduler (storage only),
    # the game and the CLI all read and write them, so the layout sits on the floor with errors.
    "layout": set(),
    "link": {"errors", "layout"},
    # game text (colour markup): a floor beside link, so portal and game both render with it
    "text": {"errors"},
    "storage": {"errors"},  # the floor: database plumbing, no other Ember package
    "scheduling": {"errors", "storage", "layout"},
    "interaction": {"errors", "scheduling"},
    "offload": {"_lazy", "errors", "scheduling"},
    # interaction: characters run actions (Character.start_action, issue 15)
    "world": {"errors", "storage", "scheduling", "interaction"},
    "portal": {"errors", "link", "layout", "text"},
    "game": {
        "_lazy",
        "errors",
        "layout",
        "storage",
        "scheduling",
        "interaction",
        "offload",
        "link",
        "text",
        "world",
    },
    # The test kit starts a real game in-process (running_game), so it sits above `game`.
    "testing": {"errors", "scheduling", "interaction", "offload", "link", "text", "world", "game"},
    "cli": EVERYTHING,
    "cli_accounts": EVERYTHING - {"cli"},  # the `ember account` commands, under cli
    "cli_server": EVERYTHING - {"cli"},  # what `ember start` and `ember status` say, under cli
    "__init__": {
        "_lazy",
        "errors",
        "scheduling",
        "interaction",
        "offload",
        "game",
        "text",
        "world",
    },
    "template": {"__init__"},  # game code imports from `ember` only
}

PUBLIC_API = [
    "Action",
    "ActionInterrupted",
    "AttributeTooLargeError",
    "Channel",
    "ChannelError",
    "Character",
    "CmdSet",
    "Command",
    "EmberError",
    "Entity",
    "ExecutorUnavailableError",
    "Exit",
    "Flow",
    "GameObject",
    "InvalidNameError",
    "Job",
    "LockError",
    "MoveError",
    "NotPersistableError",
    "NotSendableError",
    "ObjectDeletedError",
    "PERMISSIONS",
    "PersistenceUnavailableError",
    "QuestionAbortedError",
    "RUN_ASYNC_RESERVED_KEYWORDS",
    "Repeat",
    "Room",
    "Scheduler",
    "SearchResult",
    "StoreError",
    "Task",
    "TaskState",
    "Thing",
    "UnknownPermissionError",
    "UnresolvableReferenceError",
    "UnstorableValueError",
    "World",
    "WrongThreadError",
    "ask",
    "ask_yes_no",
    "call_on_loop",
    "choose",
    "create_channel",
    "create_object",
    "default_commands",
    "delay",
    "entity_registry",
    "escape_markup",
    "find_channel",
    "flow_now",
    "flow_random",
    "get_scheduler",
    "get_world",
    "has_permission",
    "interactive",
    "lock_functions",
    "open_task_store",
    "repeat",
    "report_progress",
    "returnValue",
    "run_async",
    "sleep",
    "strip_markup",
]


def part_of(module: str) -> str:
    """``ember.scheduling._api`` -> ``scheduling``; ``ember`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def ember_imports(path: Path) -> Iterator[tuple[str, int, bool]]:
    """Yield (imported ember module, line, at module level and not TYPE_CHECKING-only)."""
    tree = ast.parse(path.read_text(), str(path))
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    type_checking_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in ast.walk(node):
                type_checking_lines.add(getattr(child, "lineno", -1))
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                names = [".".join([*base, node.module] if node.module else base)]
            else:
                names = [node.module or ""]
        for name in names:
            if name == "ember" or name.startswith("ember."):
                eager = id(node) in top_level and node.lineno not in type_checking_lines
                yield name, node.lineno, eager


def python_files() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def test_every_part_is_known() -> None:
    unknown = {part_of(module_name(path)) for path in python_files()} - set(ALLOWED)
    assert unknown == set(), f"add these packages to ALLOWED on purpose: {unknown}"


def test_dependencies_point_one_way() -> None:
    forbidden = []
    for path in python_files():
        source = part_of(module_name(path))
        for target, line, _ in ember_imports(path):
            target_part = part_of(target)
            if target_part != source and target_part not in ALLOWED[source]:
                forbidden.append(f"{path.relative_to(ROOT.parent)}:{line} imports {target}")
    assert forbidden == [], "\n".join(forbidden)


def import_graph(*, eager_only: bool) -> dict[str, set[str]]:
    """Module -> the ember modules it imports (only those run at import time if ``eager_only``)."""
    graph: dict[str, set[str]] = {}
    for path in python_files():
        graph[module_name(path)] = {
            t for t, _, eager in ember_imports(path) if eager or not eager_only
        }
    return graph


def test_no_import_cycles() -> None:
    graph = import_graph(eager_only=True)
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if target not in graph:
                continue
            if state.get(target) == 1 and target != module:
                # A package importing its own submodules in __init__ is the one allowed loop.
                if not module.startswith(target + "."):
                    raise AssertionError(" -> ".join([*trail, module, target]))
            elif target not in state:
                visit(target, [*trail, module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_no_cycles_between_files_even_under_type_checking() -> None:
    """Files import each other one way, counting imports made only for type hints: a circle
    there still means two modules that cannot be understood (or split) one without the other.
    A package's ``__init__`` re-exporting its own modules is not a file-to-file edge."""
    graph = {
        module: {t for t in targets if not module.startswith(t + ".")}
        for module, targets in import_graph(eager_only=False).items()
    }
    cycles = [" -> ".join(cycle) for cycle in _cycles(graph)]
    assert cycles == [], "\n".join(cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each group of mutually importing modules (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in graph:
                continue
            if target not in index:
                connect(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return found


def test_storage_is_the_floor() -> None:
    """``ember.storage`` is database plumbing under every store: it imports no other Ember
    package but ``errors`` (not even under TYPE_CHECKING), and scheduling and game reach the
    database only through it (no store module of theirs imports sqlite3's plumbing twice)."""
    outside = []
    for path in python_files():
        if part_of(module_name(path)) != "storage":
            continue
        for target, line, _ in ember_imports(path):
            if part_of(target) not in ("storage", "errors"):
                outside.append(f"{path.relative_to(ROOT.parent)}:{line} imports {target}")
    assert outside == [], "\n".join(outside)
    assert ALLOWED["storage"] == {"errors"}
    users = {part for part, allowed in ALLOWED.items() if "storage" in allowed}
    assert {"scheduling", "game"} <= users


def test_public_api_is_pinned() -> None:
    assert sorted(ember.__all__) == PUBLIC_API
    for name in PUBLIC_API:
        assert getattr(ember, name).__doc__, f"ember.{name} needs a docstring"


_PROBE = """
import importlib, json, pkgutil, sys
events = []
def hook(event, args):
    if event.startswith("socket.") or event in ("sqlite3.connect", "subprocess.Popen"):
        events.append([event, repr(args)[:200]])
    elif event == "open":
        path, mode = str(args[0]), str(args[1])
        if any(flag in mode for flag in "wax+"):
            events.append([event, path])
sys.addaudithook(hook)
import ember
for info in pkgutil.walk_packages(ember.__path__, "ember."):
    if ".template" in info.name:
        continue
    importlib.import_module(info.name)
print(json.dumps(events))
"""


def test_importing_ember_has_no_side_effects() -> None:
    out = subprocess.run(
        [sys.executable, "-B", "-c", _PROBE], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []
