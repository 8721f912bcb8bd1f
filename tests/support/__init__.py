"""Harnesses shared by several test folders (the CLI, the portal, a PostgreSQL role).

Importable as ``support.<module>`` because pytest puts ``tests/`` on ``sys.path``
(``pythonpath`` in pyproject.toml); helpers for game makers live in ``ember.testing``.
"""
