"""Database plumbing shared by every store; the floor of Ember (it imports no other package).

Today: the supervised PostgreSQL connection both the task store and the account store use,
and SQLite's failures described for people (with the check ``ember doctor`` runs).
"""

from ember.storage._doctor import Diagnosis, diagnose
from ember.storage._postgres import ConnectionStatistics, SupervisedConnection, describe_open_error
from ember.storage._sqlite import check_sqlite_file, describe_sqlite_error, set_aside

__all__ = [
    "ConnectionStatistics",
    "Diagnosis",
    "SupervisedConnection",
    "check_sqlite_file",
    "describe_open_error",
    "describe_sqlite_error",
    "diagnose",
    "set_aside",
]
