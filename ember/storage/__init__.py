"""Database plumbing shared by every store; the floor of Ember (it imports no other package).

One place to read the database URL; an SQLite connection owned by one writer thread; the
supervised PostgreSQL connection that comes back after it is lost; schema versions upgraded
at start; the group-commit write-behind; and SQLite's failures described for people (with the
check ``ember doctor`` runs). A store (tasks, accounts, the world) is its SQL on top of these.
"""

from ember.storage._commit_times import COMMIT_BUCKETS, CommitTimer, CommitTimes
from ember.storage._doctor import Diagnosis, diagnose
from ember.storage._id_blocks import first_free_id, reserve_postgres, reserve_sqlite
from ember.storage._postgres import (
    ConnectionStatistics,
    SupervisedConnection,
    describe_open_error,
    qualify,
)
from ember.storage._schema import (
    VERSIONS_TABLE,
    Schema,
    SchemaVersionError,
    upgrade_postgres,
    upgrade_sqlite,
)
from ember.storage._sqlite import check_sqlite_file, describe_sqlite_error, set_aside
from ember.storage._sqlite_connection import SqliteConnection, transaction
from ember.storage._url import (
    DatabaseUrl,
    mask_password,
    parse_database_url,
    postgres_url,
    sqlite_url,
)
from ember.storage._write_behind import BatchStore, WriteBehind, WriterStatistics

__all__ = [
    "COMMIT_BUCKETS",
    "VERSIONS_TABLE",
    "BatchStore",
    "CommitTimer",
    "CommitTimes",
    "ConnectionStatistics",
    "DatabaseUrl",
    "Diagnosis",
    "Schema",
    "SchemaVersionError",
    "SqliteConnection",
    "SupervisedConnection",
    "WriteBehind",
    "WriterStatistics",
    "check_sqlite_file",
    "describe_open_error",
    "describe_sqlite_error",
    "diagnose",
    "first_free_id",
    "mask_password",
    "parse_database_url",
    "postgres_url",
    "qualify",
    "reserve_postgres",
    "reserve_sqlite",
    "set_aside",
    "sqlite_url",
    "transaction",
    "upgrade_postgres",
    "upgrade_sqlite",
]
