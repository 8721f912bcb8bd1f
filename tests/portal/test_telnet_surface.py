"""The telnet core's public names and its import rules: standard library only, no I/O modules."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import ember.portal.telnet as telnet

PORTAL = Path(telnet.__file__).resolve().parent.parent
# A sans-I/O core must not reach for an event loop, sockets or threads.
IO_MODULES = {"asyncio", "socket", "selectors", "ssl", "threading", "subprocess"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_portal_imports_only_the_standard_library_link_and_errors() -> None:
    for path in sorted(PORTAL.rglob("*.py")):
        for name in imported_modules(path):
            top = name.split(".")[0]
            # ember.layout: the game directory's file names, a floor module like ember.errors;
            # ember.text: colour markup, a floor the portal renders game text with.
            allowed = top in sys.stdlib_module_names or name.startswith(
                ("ember.portal", "ember.link", "ember.errors", "ember.layout", "ember.text")
            )
            # The web client's asyncio glue (only there) uses the websockets library, and so
            # do the admin page and /metrics served on the same port (ember/portal/admin).
            web = path.name == "web_server.py" or path.parent.name == "admin"
            allowed = allowed or (top == "websockets" and web)
            assert allowed, f"{path.relative_to(PORTAL)} imports {name}"


def test_telnet_core_does_no_io() -> None:
    for path in sorted((PORTAL / "telnet").glob("*.py")):
        io = {name.split(".")[0] for name in imported_modules(path)} & IO_MODULES
        assert not io, f"{path.name} imports {io}"


def test_public_names_are_pinned() -> None:
    assert set(telnet.__all__) == {
        "DO",
        "DONT",
        "EOR",
        "GA",
        "IAC",
        "NOP",
        "SB",
        "SE",
        "WILL",
        "WONT",
        "CharsetAccepted",
        "CharsetRejected",
        "Event",
        "GmcpMessage",
        "Line",
        "LineTooLong",
        "Negotiated",
        "Option",
        "OptionDisabled",
        "OptionEnabled",
        "ProtocolViolation",
        "TelnetConnection",
        "TelnetStatistics",
        "TerminalType",
        "WindowSize",
        "redraws_lines",
    }
    for name in telnet.__all__:
        assert hasattr(telnet, name), name
