"""Choosing a task store from the one URL setting a game configures."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

from ember.scheduling._postgres import PostgresTaskStore
from ember.scheduling._sqlite import SqliteTaskStore
from ember.scheduling._store import TaskStore

__all__ = ["store_from_url"]

_ACCEPTED = (
    "'sqlite:///absolute/path.db', 'sqlite://relative/path.db', a plain file path,"
    " or 'postgresql://user@host/db' (also 'postgres://', optionally '?schema=NAME')"
)


def store_from_url(url: str) -> TaskStore:
    """Return an unopened task store for ``url``; ``await store.open()`` before use.

    ``sqlite://`` followed by a path (so ``sqlite:///srv/game/tasks.db`` is absolute), or a
    plain filesystem path, gives a :class:`SqliteTaskStore`. ``postgresql://`` or
    ``postgres://`` gives a :class:`PostgresTaskStore`; an optional ``schema=NAME`` query
    parameter picks the schema and is removed before the DSN reaches asyncpg. Raises
    ``ValueError`` for an empty URL, an empty path or an unknown scheme::

        store = store_from_url("postgresql://ember@db/game?schema=ember")
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        if not url:
            raise ValueError(f"empty task store URL; expected {_ACCEPTED}")
        return SqliteTaskStore(url)
    scheme = scheme.lower()
    if scheme == "sqlite":
        if not rest:
            raise ValueError(f"no file path in task store URL {url!r}; expected {_ACCEPTED}")
        return SqliteTaskStore(rest)
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
            raise ValueError(f"a task store URL names more than one schema: {schemas}")
        dsn = urlunsplit(parts._replace(query="&".join(kept)))
        return PostgresTaskStore(dsn, schema=schemas[0] if schemas else "public")
    # The URL itself is not echoed: it may hold a password.
    raise ValueError(f"unknown task store URL scheme {scheme!r}; expected {_ACCEPTED}")
