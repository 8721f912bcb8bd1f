"""The outbound byte queue, which runs everything after an MCCP2 start through zlib."""

from __future__ import annotations

import zlib

__all__ = ["OutputQueue"]


class OutputQueue:
    """Bytes waiting to be sent, compressed once MCCP2 has started.

    Writes append plain bytes; :meth:`take` returns what is ready. While compressing, each
    :meth:`take` compresses what was written since the last one and ends with a
    ``Z_SYNC_FLUSH``, so the client can show everything it received at once.
    """

    def __init__(self) -> None:
        self._ready = bytearray()
        self._pending = bytearray()
        # typeshed's name for the compressor type; it is never evaluated at run time.
        self._compressor: zlib._Compress | None = None
        self.plain_bytes = 0
        self.wire_bytes = 0

    @property
    def compressing(self) -> bool:
        """Whether written bytes currently go through the MCCP2 compressor."""
        return self._compressor is not None

    def __len__(self) -> int:
        """How many bytes wait in the queue (uncompressed count for the pending part)."""
        return len(self._ready) + len(self._pending)

    def write(self, data: bytes) -> None:
        """Queue ``data`` behind everything written before."""
        self._pending += data
        self.plain_bytes += len(data)

    def start_compression(self) -> None:
        """Compress every byte written from now on; what is queued already stays plain."""
        if self._compressor is not None:
            return
        self._ready += self._pending
        self._pending = bytearray()
        self._compressor = zlib.compressobj()

    def stop_compression(self) -> None:
        """End the compressed stream cleanly (``Z_FINISH``); later writes go out plain."""
        compressor = self._compressor
        if compressor is None:
            return
        self._ready += compressor.compress(self._pending)
        self._ready += compressor.flush(zlib.Z_FINISH)
        self._pending = bytearray()
        self._compressor = None

    def take(self) -> bytes:
        """Return and forget every byte ready for the wire."""
        if self._pending:
            if self._compressor is not None:
                self._ready += self._compressor.compress(self._pending)
                self._ready += self._compressor.flush(zlib.Z_SYNC_FLUSH)
            else:
                self._ready += self._pending
            self._pending = bytearray()
        data = bytes(self._ready)
        self._ready = bytearray()
        self.wire_bytes += len(data)
        return data
