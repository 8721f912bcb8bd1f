"""Password hashing with argon2id, off the game loop, with a cap on hashes running at once."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["Passwords"]


class Passwords:
    """Hash and verify passwords in worker threads, at most ``concurrency`` at a time.

    Each argon2id hash takes ~150 ms and 64 MiB with the default parameters; running it on the
    game loop would freeze every player, and a login flood would exhaust memory without the cap.
    """

    def __init__(
        self,
        *,
        time_cost: int = 3,
        memory_cost: int = 65536,
        parallelism: int = 4,
        concurrency: int = 2,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"hash concurrency must be at least 1, not {concurrency}")
        if memory_cost < 8 * parallelism:
            raise ValueError(
                f"argon2 needs a memory cost of at least 8 KiB per lane: {memory_cost} KiB is"
                f" too small for parallelism {parallelism} (HASH_MEMORY_COST, HASH_PARALLELISM)"
            )
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        """Return the argon2id hash of ``password``."""
        async with self._slots:
            return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> tuple[bool, str | None]:
        """Check ``password``; return ``(matches, new_hash_or_None)``.

        ``password_hash=None`` (an unknown account) verifies against a dummy hash, so a wrong
        name takes as long as a wrong password. When the stored hash used weaker parameters
        than the current ones, a fresh hash is returned to store in its place.
        """
        if password_hash is None:
            password_hash = await self._dummy_hash()
            await self._check(password_hash, password)
            return False, None
        if not await self._check(password_hash, password):
            return False, None
        if self.hasher.check_needs_rehash(password_hash):
            return True, await self.hash(password)
        return True, None

    async def _check(self, password_hash: str, password: str) -> bool:
        async with self._slots:
            try:
                return await asyncio.to_thread(self.hasher.verify, password_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

    async def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_hex(16))
        return self._dummy
