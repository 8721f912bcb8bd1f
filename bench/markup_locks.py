"""Markup and lock benchmark: rendering colour markup and checking locks, each beside a
baseline measured in the same run.

Run ``scripts/bench markup_locks [--quick]``; bench/README.md explains each row.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

from ember.testing import build_world
from ember.text import render_ansi, render_html, render_plain
from ember.world import Thing, has_permission

LINE = "|gA |Rrusty sword|n lies here, next to |500a red gem|n and ||some pipes||."
BARE = "A rusty sword lies here, next to a red gem and |some pipes|."
REPEAT = 7


def per_call(func: Callable[[], object], n: int) -> float:
    """Best of REPEAT runs of ``n`` calls, in seconds per call (best: least disturbed)."""
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        for _ in range(n):
            func()
        best = min(best, (time.perf_counter() - start) / n)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10x fewer calls")
    n = 20_000 // (10 if parser.parse_args().quick else 1)
    rows: list[tuple[str, float, float, str]] = []
    encode = per_call(lambda: BARE.encode(), n)
    for label, func in (
        ("plain (codes removed)", lambda: render_plain(LINE)),
        ("ANSI 16 colours", lambda: render_ansi(LINE, 16)),
        ("ANSI 256 colours", lambda: render_ansi(LINE, 256)),
        ("HTML spans", lambda: render_html(LINE)),
        ("ANSI 256, a line without codes", lambda: render_ansi(BARE, 256)),
    ):
        rows.append((f"render a 70-char line: {label}", per_call(func, n), encode, "encode"))
    small, large = ("|r|[b|500x|n|||q" * 640), ("|r|[b|500x|n|||q" * 6400)
    ten = per_call(lambda: render_ansi(small, 256), max(1, n // 1000))
    hundred = per_call(lambda: render_ansi(large, 256), max(1, n // 10_000))
    rows.append(("render 100 KB of codes (baseline: 10 KB x 10)", hundred, ten * 10, "10 KB x10"))

    kit = build_world()
    player = kit.character
    box = kit.create(Thing, "box")
    kit.create(Thing, "brass key", location=player)
    box.locks.add("get: perm(Builder) or holds(brass key); examine: perm(Builder)")
    direct = per_call(lambda: has_permission(player.permissions, "Builder"), n)
    for label, kind in (
        ("no lock: documented default", "control"),
        ("perm(Builder)", "examine"),
        ("perm(Builder) or holds(brass key)", "get"),
    ):
        rows.append((f"access: {label}", per_call(lambda k=kind: box.access(player, k), n),
                     direct, "has_permission"))  # fmt: skip
    lock = "get: perm(Builder) or holds(brass key)"
    adding = per_call(lambda: box.locks.add(lock), n // 10)
    rows.append(("locks.add (parse, check, journal)", adding, direct, "has_permission"))
    kit.world.drain_changes()

    python = sys.version.split()[0]
    print(f"ember bench markup_locks (Python {python}, {os.cpu_count()} CPUs, best of {REPEAT})")
    print(f"| {'row':<58} | {'ember':>10} | {'baseline':>10} | {'ratio':>7} | baseline is |")
    print(f"|{'-' * 60}|{'-' * 12}|{'-' * 12}|{'-' * 9}|-------------|")
    for label, ours, base, what in rows:
        print(
            f"| {label:<58} | {ours * 1e6:8.2f}us | {base * 1e6:8.2f}us | "
            f"{ours / base:6.1f}x | {what} |"
        )


if __name__ == "__main__":
    main()
