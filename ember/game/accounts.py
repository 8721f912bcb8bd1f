"""Accounts: the persistent player identity, its registry, creation and password login."""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Callable, Iterator
from typing import ClassVar

from ember.errors import EmberError, StoreError
from ember.game._account_store import (
    AccountRecord,
    AccountStore,
    DuplicateAccountError,
)
from ember.game._connection import Connection
from ember.game._login_limits import LoginError, LoginLimits
from ember.game._names import name_skeleton
from ember.game._passwords import Passwords
from ember.game._throttle import LoginThrottle
from ember.game.settings import Settings
from ember.interaction import ask_caller

__all__ = [
    "DEVELOPER",
    "Account",
    "AccountError",
    "AccountRegistry",
    "Accounts",
    "DuplicateAccountError",
    "LoginError",
    "passwords_for",
    "validate_name",
    "validate_password",
]

log = logging.getLogger("ember.game")

DEVELOPER = "Developer"
"""The permission that unlocks ``py``, ``reload`` and every task in ``tasks``."""

NAME_MIN, NAME_MAX = 3, 30
PASSWORD_MIN, PASSWORD_MAX = 8, 256
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


class AccountError(EmberError, ValueError):
    """An account could not be created: a bad name or password (the message says why)."""


def validate_name(name: str) -> str:
    """Return ``name`` if it is a valid account name, else raise :class:`AccountError`.

    Valid: 3 to 30 characters, ASCII letters, digits, ``_`` and ``-``, starting with a letter.
    """
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise AccountError(
            f"An account name must be {NAME_MIN} to {NAME_MAX} characters long;"
            f" {name[:40]!r} has {len(name)}."
        )
    if not _NAME.fullmatch(name):
        raise AccountError(
            f"An account name may hold only letters, digits, _ and -, and must start with a"
            f" letter; {name!r} does not."
        )
    return name


def validate_name_quietly(name: str) -> bool:
    """Return whether ``name`` is a valid account name (no exception)."""
    return NAME_MIN <= len(name) <= NAME_MAX and _NAME.fullmatch(name) is not None


def validate_password(password: str) -> str:
    """Return ``password`` if it is acceptable (8 to 256 characters), else raise AccountError."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise AccountError(
            f"A password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long"
            f" (yours has {len(password)})."
        )
    return password


def name_key(name: str) -> str:
    """Return the case-insensitive form names are compared by."""
    return name.casefold()


class Account:
    """A player account: a persistent entity, so timed tasks may be bound to it.

    ``account.msg(text)`` reaches every session logged in to the account. Persistent tasks
    refer to it as ``account:<id>``, e.g. ``delay(60, caller.msg, "hi", persistent=True)``.
    """

    entity_kind: ClassVar[str] = "account"

    def __init__(self, record: AccountRecord) -> None:
        self.record = record
        self.sessions: list[Connection] = []

    @property
    def entity_id(self) -> int:
        """The account's database id, stable across restarts."""
        return self.record.id

    @property
    def id(self) -> int:
        """The account's database id."""
        return self.record.id

    @property
    def name(self) -> str:
        """The account name as it was created."""
        return self.record.name

    @property
    def name_key(self) -> str:
        """The case-insensitive form of the name (unique among accounts)."""
        return self.record.name_key

    @property
    def key(self) -> str:
        """The owner key of this account's timed tasks: ``account:<id>``."""
        return f"account:{self.record.id}"

    @property
    def permissions(self) -> tuple[str, ...]:
        """The account's permissions, e.g. ``("Developer",)``."""
        return self.record.permissions

    @property
    def is_developer(self) -> bool:
        """Whether the account has the Developer permission."""
        return DEVELOPER in self.record.permissions

    @property
    def online(self) -> bool:
        """Whether at least one session is logged in to the account."""
        return bool(self.sessions)

    def msg(self, text: str) -> None:
        """Send ``text`` to every session logged in to this account (none: it is dropped)."""
        for session in list(self.sessions):
            session.msg(text)

    def prompt(self, text: str) -> None:
        """Send ``text`` as a prompt (a question) to every session of this account."""
        for session in list(self.sessions):
            session.prompt(text)

    async def ask(self, question: str, timeout: float | None = None) -> str:  # noqa: ASYNC109
        """Ask ``question`` and return the account's next line of input (from any session).

        Questions to one account are asked one at a time, in order. With ``timeout`` seconds,
        ``TimeoutError`` is raised if no answer came. A question waiting while the account is
        offline is asked again when it logs in.
        """
        return await ask_caller(self, question, timeout=timeout)

    def __repr__(self) -> str:
        return f"<Account {self.record.id} {self.record.name!r}>"


class AccountRegistry:
    """The accounts loaded in memory, by id and by case-insensitive name."""

    def __init__(self) -> None:
        self._by_id: dict[int, Account] = {}
        self._by_key: dict[str, Account] = {}
        self._by_skeleton: dict[str, Account] = {}

    def add(self, record: AccountRecord) -> Account:
        """Load ``record`` (or refresh the loaded account with it) and return the account."""
        account = self._by_id.get(record.id)
        if account is None:
            account = Account(record)
        else:
            account.record = record
        self._by_id[record.id] = account
        self._by_key[record.name_key] = account
        self._by_skeleton.setdefault(name_skeleton(record.name), account)
        return account

    def look_alike(self, name: str) -> Account | None:
        """Return an account whose name looks like ``name`` (see :func:`name_skeleton`)."""
        return self._by_skeleton.get(name_skeleton(name))

    def get(self, account_id: object) -> Account | None:
        """Return the account with this id (the entity finder for ``"account"``)."""
        return self._by_id.get(account_id) if isinstance(account_id, int) else None

    def by_name(self, name: str) -> Account | None:
        """Return the account with this name, compared case-insensitively."""
        return self._by_key.get(name_key(name))

    def online(self) -> list[Account]:
        """Return the accounts with at least one session, by name."""
        return sorted((a for a in self._by_id.values() if a.sessions), key=lambda a: a.name_key)

    def __iter__(self) -> Iterator[Account]:
        return iter(list(self._by_id.values()))

    def __len__(self) -> int:
        return len(self._by_id)


def passwords_for(settings: Settings) -> Passwords:
    """Return the password hasher configured by ``settings``."""
    return Passwords(
        time_cost=settings.hash_time_cost,
        memory_cost=settings.hash_memory_cost,
        parallelism=settings.hash_parallelism,
        concurrency=settings.hash_concurrency,
    )


class Accounts:
    """Account creation and login over a store, a hasher and failed-login limits.

    Attempts are counted before the password is hashed, per address, per account and
    address, and per account (``limits``, see :class:`~ember.game._login_limits.LoginLimits`).
    """

    def __init__(
        self,
        store: AccountStore,
        passwords: Passwords,
        *,
        limits: LoginLimits | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.passwords = passwords
        self.limits = limits or LoginLimits()
        self.registry = AccountRegistry()
        self._wall = wall
        self._creating: set[str] = set()

    @classmethod
    def from_settings(
        cls, store: AccountStore, settings: Settings, *, clock: Callable[[], float] = time.monotonic
    ) -> Accounts:
        """Return accounts over ``store`` with the hasher and throttles ``settings`` ask for.

        ``clock`` is the monotonic time source of the throttles (tests pass a virtual one).
        """

        def throttle(allowed: int) -> LoginThrottle:
            return LoginThrottle(
                allowed=allowed,
                window=settings.login_failure_window,
                cooldown=settings.login_cooldown,
                cooldown_max=settings.login_cooldown_max,
                clock=clock,
            )

        return cls(
            store,
            passwords_for(settings),
            limits=LoginLimits(
                address=throttle(settings.login_address_failures_allowed),
                pair=throttle(settings.login_failures_allowed),
                account=throttle(settings.login_account_failures_allowed),
            ),
        )

    async def load(self) -> int:
        """Load every account from the store into the registry; return how many."""
        for record in await self.store.load_all():
            self.registry.add(record)
        return len(self.registry)

    async def create(self, name: str, password: str, *, developer: bool = False) -> Account:
        """Create an account, or raise :class:`AccountError` / :class:`DuplicateAccountError`."""
        validate_name(name)
        validate_password(password)
        key = name_key(name)
        if self.registry.by_name(name) is not None or key in self._creating:
            raise DuplicateAccountError(f"An account named {name!r} already exists.")
        skeleton = name_skeleton(name)
        similar = self.registry.look_alike(name)
        if similar is not None or skeleton in self._creating:
            other = f" {similar.name!r}" if similar is not None else ""
            raise AccountError(
                f"The name {name!r} looks too much like the account{other} (letters such as"
                " I and l, O and 0, rn and m read alike); choose another."
            )
        self._creating.update((key, skeleton))
        try:
            password_hash = await self.passwords.hash(password)
            permissions = (DEVELOPER,) if developer else ()
            try:
                record = await self.store.insert(
                    name, key, password_hash, permissions, self._wall()
                )
            except DuplicateAccountError:
                raise DuplicateAccountError(f"An account named {name!r} already exists.") from None
        finally:
            self._creating.difference_update((key, skeleton))
        return self.registry.add(record)

    async def set_permissions(self, account: Account, permissions: tuple[str, ...]) -> None:
        """Store new permissions for ``account`` (e.g. ``("Developer",)``) and apply them."""
        await self.store.set_permissions(account.id, permissions)
        self.registry.add(dataclasses.replace(account.record, permissions=tuple(permissions)))

    async def authenticate(self, name: str, password: str, *, address: str) -> Account:
        """Return the account if ``password`` is right, else raise :class:`LoginError`.

        The attempt is counted (per address, per account and address, per account) before
        the password is hashed, and one check runs at a time per address and per name; too
        many failures make it wait ("too many failed logins, try again in N s") without
        checking the password. A name that cannot exist is refused after counting against
        the address only (it is never used as a key, so a 64 KB name costs nothing).
        """
        valid = validate_name_quietly(name)
        key = name_key(name) if valid else None
        async with self.limits.attempt(key, address) as attempt:
            if key is None:
                raise LoginError("Wrong account name or password.")
            account = await self._fresh(key)
            ok, new_hash = await self.passwords.verify(
                account.record.password_hash if account is not None else None, password
            )
            if account is None or not ok:
                raise LoginError("Wrong account name or password.")
            attempt.succeeded = True
        if account.record.disabled:  # said only to whoever knows the password
            raise LoginError(f"The account {account.name} is disabled; ask the game's operators.")
        if new_hash is not None:
            await self.store.set_password_hash(account.id, new_hash)
            self.registry.add(dataclasses.replace(account.record, password_hash=new_hash))
        return account

    async def _fresh(self, key: str) -> Account | None:
        """The account as the database has it now: ``ember account`` may have created,
        disabled or changed it while the server runs. If the database cannot be read, the
        account as loaded (a login should not need a healthy database more than before)."""
        try:
            record = await self.store.find(key)
        except StoreError as error:
            log.warning("logging in %r with the account as loaded: %s", key, error)
            return self.registry.by_name(key)
        return self.registry.add(record) if record is not None else None
