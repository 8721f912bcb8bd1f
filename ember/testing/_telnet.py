"""A plain telnet client for tests and benchmarks: refuses every option, reads text."""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

__all__ = ["TelnetClient"]

_IAC, _SB, _SE = 255, 250, 240
_WILL, _WONT, _DO, _DONT = 251, 252, 253, 254


class TelnetClient:
    """Connects like the simplest MUD client: no options, UTF-8 lines, text collected.

    Negotiation requests are refused (``DONT``/``WONT``), subnegotiations skipped, and the
    rest kept as text, so tests can wait for what a player would see::

        async with await TelnetClient.connect(port) as player:
            await player.expect("Welcome")
            player.send("connect ann secret-password")
            await player.expect("You are now logged in")
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.text = ""  # everything received so far, as text
        self._seen = 0  # how far expect() has consumed self.text
        self._raw = bytearray()

    @classmethod
    async def connect(cls, port: int, host: str = "127.0.0.1") -> TelnetClient:
        """Open a connection to ``host:port``."""
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    def send(self, line: str) -> None:
        """Send one line of input (CR LF appended)."""
        self.writer.write(line.encode() + b"\r\n")

    async def expect(self, wanted: str, within: float = 10.0) -> str:
        """Wait until ``wanted`` arrives after what earlier calls consumed; return the text
        up to and including it. Raises ``TimeoutError`` showing what did arrive."""
        async with asyncio.timeout(within):
            while (found := self.text.find(wanted, self._seen)) < 0:
                if not await self._read():
                    raise ConnectionError(f"closed before {wanted!r} arrived; got {self.tail()!r}")
        end = found + len(wanted)
        chunk, self._seen = self.text[self._seen : end], end
        return chunk

    async def closed(self, within: float = 10.0) -> None:
        """Wait until the server closes the connection."""
        async with asyncio.timeout(within):
            while await self._read():
                pass

    def tail(self, size: int = 300) -> str:
        """The last ``size`` characters received (for assertion messages)."""
        return self.text[-size:]

    async def close(self) -> None:
        """Close the connection."""
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()

    async def __aenter__(self) -> TelnetClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _read(self) -> bool:
        data = await self.reader.read(65536)
        if not data:
            return False
        self._raw += data
        self.text += self._take_text()
        return True

    def _take_text(self) -> str:
        raw, out, i = self._raw, bytearray(), 0
        while i < len(raw):
            byte = raw[i]
            if byte != _IAC:
                out.append(byte)
                i += 1
                continue
            if i + 1 >= len(raw):
                break  # an IAC split from what follows: wait for more
            command = raw[i + 1]
            if command == _IAC:
                out.append(_IAC)
                i += 2
            elif command in (_WILL, _WONT, _DO, _DONT):
                if i + 2 >= len(raw):
                    break
                option = raw[i + 2]
                if command == _WILL:
                    self.writer.write(bytes((_IAC, _DONT, option)))
                elif command == _DO:
                    self.writer.write(bytes((_IAC, _WONT, option)))
                i += 3
            elif command == _SB:
                end = raw.find(bytes((_IAC, _SE)), i + 2)
                if end < 0:
                    break
                i = end + 2
            else:
                i += 2  # GA, EOR, NOP and friends carry no text
        del raw[:i]
        return out.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "")
