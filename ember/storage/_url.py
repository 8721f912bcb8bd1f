"""One place that reads the database URL a game configures (the ``DATABASE`` setting).

Every store (tasks, accounts, the world) parses the same URL here, so they always land in the
same database. A password never appears in :attr:`DatabaseUrl.url` or in an error message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

__all__ = ["DatabaseUrl", "mask_password", "parse_database_url", "postgres_url", "sqlite_url"]

_ACCEPTED = (
    "'sqlite:///absolute/path.db', 'sqlite://relative/path.db', a plain file path,"
    " or 'postgresql://user@host/db' (also 'postgres://', optionally '?schema=NAME')"
)


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A parsed database URL: ``kind`` says which fields matter.

    SQLite: ``path`` is absolute. PostgreSQL: ``dsn`` is what asyncpg gets (the ``schema``
    parameter removed) and ``schema`` the schema the tables live in. ``url`` names the
    database in messages, the password masked.
    """

    kind: Literal["sqlite", "postgresql"]
    url: str
    path: str = ""
    dsn: str = ""
    schema: str = "public"


def sqlite_url(path: str | os.PathLike[str]) -> DatabaseUrl:
    """Return the :class:`DatabaseUrl` of an SQLite file (made absolute)."""
    absolute = os.path.abspath(os.fspath(path))
    return DatabaseUrl("sqlite", f"sqlite://{absolute}", path=absolute)


def postgres_url(dsn: str, schema: str = "public") -> DatabaseUrl:
    """Return the :class:`DatabaseUrl` of a PostgreSQL DSN and schema (password masked)."""
    masked = mask_password(dsn)
    if schema != "public":
        masked += ("&" if urlsplit(masked).query else "?") + f"schema={schema}"
    return DatabaseUrl("postgresql", masked, dsn=dsn, schema=schema)


def parse_database_url(url: str, *, what: str = "task store") -> DatabaseUrl:
    """Read ``url``: ``sqlite://`` followed by a path (``sqlite:///srv/game/tasks.db`` is
    absolute) or a plain path is SQLite; ``postgresql://`` or ``postgres://`` is PostgreSQL,
    where an optional ``schema=NAME`` query parameter picks the schema and is removed before
    the DSN reaches asyncpg. ``what`` names the URL in errors. Raises ``ValueError`` for an
    empty URL, an empty path, several schemas or an unknown scheme::

        parse_database_url("postgresql://ember@db/game?schema=ember").schema  # "ember"
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        if not url:
            raise ValueError(f"empty {what} URL; expected {_ACCEPTED}")
        return sqlite_url(url)
    scheme = scheme.lower()
    if scheme == "sqlite":
        if not rest:
            raise ValueError(f"no file path in {what} URL {url!r}; expected {_ACCEPTED}")
        return sqlite_url(rest)
    if scheme in ("postgresql", "postgres"):
        parts = urlsplit(url)
        # Split by hand rather than re-encode, so asyncpg gets the other parameters verbatim.
        kept, schemas = [], []
        for item in parts.query.split("&") if parts.query else []:
            key, _, value = item.partition("=")
            if unquote(key) == "schema":
                schemas.append(unquote(value))
            else:
                kept.append(item)
        if len(schemas) > 1:
            raise ValueError(f"a {what} URL names more than one schema: {schemas}")
        dsn = urlunsplit(parts._replace(query="&".join(kept)))
        return postgres_url(dsn, schemas[0] if schemas else "public")
    # The URL itself is not echoed: it may hold a password.
    raise ValueError(f"unknown {what} URL scheme {scheme!r}; expected {_ACCEPTED}")


def mask_password(dsn: str) -> str:
    """Return ``dsn`` with the password (in the user part or a query parameter) as ``***``."""
    parts = urlsplit(dsn)
    user, at, host = parts.netloc.rpartition("@")
    if ":" in user:
        user = user.split(":", 1)[0] + ":***"
    query = [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(netloc=user + at + host, query=urlencode(query, safe="*")))
