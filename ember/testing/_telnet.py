"""A plain telnet client for tests and benchmarks: refuses every option, reads text or bytes."""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

from ember.testing._scale import scaled

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

    Every byte received is also kept, telnet commands included, in ``received``; tests of the
    protocol itself wait on those with ``expect_bytes()`` and send with ``send_bytes()``. Pass
    ``answer_options=False`` to leave negotiation requests unanswered, as a raw TCP client does.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        answer_options: bool = True,
    ) -> None:
        self.reader, self.writer = reader, writer
        self.answer_options = answer_options
        self.received = bytearray()  # everything received so far, as bytes
        # The text received: joined on demand (``text``), so a long session does not copy
        # its whole transcript on every read; expect() searches only what is after its
        # last match (``_unmatched``).
        self._text, self._new_text = "", list[str]()
        self._unmatched = ""
        self._seen_bytes = 0  # how far expect_bytes() has consumed self.received
        self._raw = bytearray()  # received bytes not yet turned into text

    @classmethod
    async def connect(
        cls, port: int, host: str = "127.0.0.1", *, answer_options: bool = True
    ) -> TelnetClient:
        """Open a connection to ``host:port`` (``answer_options`` as for the class)."""
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, answer_options=answer_options)

    @property
    def text(self) -> str:
        """Everything received so far, as text."""
        if self._new_text:
            self._text = "".join((self._text, *self._new_text))
            self._new_text.clear()
        return self._text

    def send(self, line: str) -> None:
        """Send one line of input (CR LF appended)."""
        self.writer.write(line.encode() + b"\r\n")

    def send_bytes(self, data: bytes) -> None:
        """Send ``data`` exactly as given: no line ending added, ``IAC`` not escaped."""
        self.writer.write(data)

    async def expect(self, wanted: str, within: float = 10.0) -> str:
        """Wait until ``wanted`` arrives after what earlier calls consumed; return the text
        up to and including it. Raises ``TimeoutError`` showing what did arrive.

        ``within`` is a safety net, stretched by ``EMBER_TEST_TIMEOUT_SCALE`` on slow machines."""
        try:
            async with asyncio.timeout(scaled(within)):
                while (found := self._unmatched.find(wanted)) < 0:
                    if not await self._read():
                        raise ConnectionError(
                            f"closed before {wanted!r} arrived; got {self.tail()!r}"
                        )
        except TimeoutError:
            raise TimeoutError(f"{wanted!r} did not arrive; got {self.tail()!r}") from None
        end = found + len(wanted)
        chunk, self._unmatched = self._unmatched[:end], self._unmatched[end:]
        return chunk

    async def expect_bytes(self, wanted: bytes | str, within: float = 10.0) -> bytes:
        """Like ``expect()``, but on the raw bytes received, telnet commands included.

        Args:
            wanted: the bytes to wait for; a ``str`` stands for its UTF-8 encoding.
            within: seconds to wait before ``TimeoutError``.

        Returns:
            The bytes after the previous ``expect_bytes()`` match, up to and including
            ``wanted``. Raises ``ConnectionError`` if the server closes first.

        Example::

            await client.expect_bytes(b"\\xff\\xfb\\x01")  # IAC WILL ECHO
        """
        data = wanted.encode() if isinstance(wanted, str) else wanted
        async with asyncio.timeout(within):
            while (found := self.received.find(data, self._seen_bytes)) < 0:
                if not await self._read():
                    tail = bytes(self.received[-300:])
                    raise ConnectionError(f"closed before {data!r} arrived; got {tail!r}")
        start, self._seen_bytes = self._seen_bytes, found + len(data)
        return bytes(self.received[start : self._seen_bytes])

    async def closed(self, within: float = 10.0) -> str:
        """Wait until the server closes the connection; return the text that came after the
        last ``expect()`` match."""
        await self._read_to_end(within)
        return self._unmatched

    async def closed_bytes(self, within: float = 10.0) -> bytes:
        """Wait until the server closes the connection; return the bytes that came after
        the last ``expect_bytes()`` match."""
        await self._read_to_end(within)
        return self.unmatched_bytes()

    def unmatched_bytes(self) -> bytes:
        """The bytes received after the last ``expect_bytes()`` match, without waiting."""
        return bytes(self.received[self._seen_bytes :])

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

    async def _read_to_end(self, within: float) -> None:
        async with asyncio.timeout(within):
            while await self._read():
                pass

    async def _read(self) -> bool:
        data = await self.reader.read(65536)
        if not data:
            return False
        self.received += data
        self._raw += data
        if text := self._take_text():
            self._new_text.append(text)
            self._unmatched += text
        return True

    def _take_text(self) -> str:
        raw, out, i = self._raw, bytearray(), 0
        while i < len(raw):
            command_at = raw.find(_IAC, i)
            if command_at < 0:
                out += raw[i:]
                i = len(raw)
                break
            out += raw[i:command_at]  # plain text up to the next IAC, in one piece
            i = command_at
            if i + 1 >= len(raw):
                break  # an IAC split from what follows: wait for more
            command = raw[i + 1]
            if command == _IAC:
                out.append(_IAC)
                i += 2
            elif command in (_WILL, _WONT, _DO, _DONT):
                if i + 2 >= len(raw):
                    break
                self._answer(command, raw[i + 2])
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

    def _answer(self, command: int, option: int) -> None:
        if not self.answer_options:
            return
        if command == _WILL:
            self.writer.write(bytes((_IAC, _DONT, option)))
        elif command == _DO:
            self.writer.write(bytes((_IAC, _WONT, option)))
