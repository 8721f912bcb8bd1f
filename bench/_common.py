"""Pieces every benchmark script under bench/ shares: progress lines, percentiles, a game of
its own on free ports driven through the ``ember`` CLI, forked measuring children, and the
aligned result table.

Each script stays one file a reader can follow top to bottom; what lives here is what they
would otherwise each write again in the same way.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

from ember.testing import TelnetClient

EMBER = [sys.executable, "-m", "ember.cli"]
PASSWORD = "bench-password-1"

say = functools.partial(print, file=sys.stderr, flush=True)  # progress, off the table's stream


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The sample at ``fraction`` (0.5 for p50) of the sorted ``samples`` (nearest below)."""
    if not samples:
        raise ValueError("a percentile of no samples")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def memory_mib(pid: int, field: str = "VmRSS") -> float:
    """A memory figure of process ``pid`` from /proc, in MiB (NaN when it is not there)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- a game of the benchmark's own ---------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# A closed-loop bench client sends a line as soon as the last answer came, far above the
# portal's default 20 lines/s (burst 100): its lines would be dropped and their answers never
# come. Benches measure latency, not the abuse limits, so their games lift them well clear.
LIFTED_LIMITS = (
    'PORTAL_LIMITS = {"input_lines_per_second": 100000, "input_line_burst": 100000,'
    ' "input_bytes_per_second": 10000000, "input_byte_burst": 10000000}\n'
)


def new_game(parent: Path, settings: str = "") -> tuple[Path, int]:
    """``ember init`` a game under ``parent`` on free telnet and web ports, with ``settings``
    lines appended; return its directory and its telnet port."""
    game = parent / "game"
    subprocess.run([*EMBER, "init", str(game)], check=True, capture_output=True)
    port = free_port()
    with (game / "settings.py").open("a") as out:
        out.write(f"\nTELNET_PORT = {port}\nWEB_PORT = {free_port()}\n{settings}")
    return game, port


def ember(game: Path, *args: str, stdin: str | None = None) -> str:
    """Run ``ember --game-dir GAME ARGS``; return its output, raise when it fails."""
    done = subprocess.run(
        [*EMBER, "--game-dir", str(game), *args], input=stdin, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"ember {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


async def login(port: int, name: str, *, within: float) -> TelnetClient:
    """Connect a telnet client and log in the existing account ``name`` (PASSWORD)."""
    client = await TelnetClient.connect(port)
    await client.expect("connect NAME PASSWORD", within=within)
    client.send(f"connect {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}", within=within)
    return client


# -- measuring in a process of its own ---------------------------------------------------------


def in_child(phase: Callable[[], list[float]]) -> list[float]:
    """Run ``phase`` in a forked process, so its memory (and its peak) is its own."""
    read, write = os.pipe()
    if (pid := os.fork()) == 0:  # the child: report, then leave without the parent's clean-up
        code = 1
        try:
            os.write(write, json.dumps(phase()).encode())
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        data = pipe.read()
    if os.waitpid(pid, 0)[1] != 0:
        raise RuntimeError("a benchmark child failed (its traceback is above)")
    return [float(value) for value in json.loads(data)]


# -- the result table ------------------------------------------------------------------------


def print_columns(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    min_widths: Sequence[int] = (),
    rule: bool = False,
) -> None:
    """Print ``header`` and ``rows`` two spaces apart, the first column to the left and the
    others to the right, each as wide as its widest cell (or ``min_widths``); ``rule`` puts
    a line of dashes under the header."""
    lines = [tuple(header), *map(tuple, rows)]
    floors = [*min_widths, *[0] * len(header)]
    widths = [max(floors[i], *(len(line[i]) for line in lines)) for i in range(len(header))]
    if rule:
        lines.insert(1, tuple("-" * width for width in widths))
    for line in lines:
        rest = [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        print("  ".join([line[0].ljust(widths[0]), *rest]))


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a :class:`Table`."""

    measure: str
    ember: str
    baseline: str
    ratio: str
    target: str
    verdict: str


class Table:
    """Rows of Ember beside a baseline, with a target and a verdict; ``formats`` maps a unit
    name to how a figure in it is shown (unit ``x``: the figure is already a ratio)."""

    def __init__(self, formats: dict[str, Callable[[float], str]]) -> None:
        self.formats = formats
        self.rows: list[Row] = []
        self.notes: list[str] = []

    def add(
        self, name: str, ember: float, base: float, unit: str, target: str = "-", ok: Any = None
    ) -> None:
        """Add a row; ``ok`` is None for a figure shown for information only."""
        ratio = f"{ember / base:.2f}x" if base and unit != "x" else "-"
        verdict = "info" if ok is None else ("ok" if ok else "MISS")
        show = self.formats[unit]
        self.rows.append(Row(name, show(ember), show(base), ratio, target, verdict))

    def print(self, title: str) -> None:
        """Print the title, the rows and then the notes."""
        print(title)
        header = ("measure", "Ember", "baseline", "ratio", "target", "verdict")
        print_columns(header, [astuple(row) for row in self.rows], rule=True)
        for note in self.notes:
            print(f"note: {note}")
