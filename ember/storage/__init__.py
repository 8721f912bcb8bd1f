"""Database plumbing shared by every store; the floor of Ember (it imports no other package).

Today: the supervised PostgreSQL connection both the task store and the account store use.
"""

from ember.storage._postgres import ConnectionStatistics, SupervisedConnection, describe_open_error

__all__ = ["ConnectionStatistics", "SupervisedConnection", "describe_open_error"]
