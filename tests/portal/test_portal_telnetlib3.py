"""telnetlib3's client against a real portal: negotiation results reach the game."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import telnetlib3
from support.portal_harness import TIMEOUT, portal


async def read_until(reader: telnetlib3.TelnetReader, wanted: str) -> str:
    text = ""
    async with asyncio.timeout(TIMEOUT):
        while wanted not in text:
            chunk = await reader.read(4096)
            assert chunk, f"closed while waiting for {wanted!r}; got {text!r}"
            text += chunk
    return text


async def test_negotiated_size_terminal_and_unicode_reach_the_game(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        reader, writer = await telnetlib3.open_connection(
            "127.0.0.1",
            running.port,
            encoding="utf8",
            cols=132,
            rows=43,
            term="xterm-256color",
            connect_minwait=0.05,
        )
        try:
            await read_until(reader, "Welcome to the fake game")
            facts: dict[str, object] = {}
            # Negotiation runs alongside the game's first output; ask until it has landed.
            for _ in range(50):
                writer.write("whoami\r\n")
                text = await read_until(reader, "}\r\n")
                facts = json.loads(text[text.index("whoami ") + 7 : text.rindex("}") + 1])
                if facts.get("cols") == 132 and facts.get("ttype"):
                    break
            assert facts["cols"] == 132
            assert facts["rows"] == 43
            assert str(facts["ttype"]).lower() == "xterm-256color"
            writer.write("héllo wörld ✓\r\n")
            await read_until(reader, ": héllo wörld ✓\r\n")
        finally:
            writer.close()
