"""The journal of durable flows: its rows, what a store offers for them, and its writer.

A durable flow (``@interactive(durable=True)``, a command with ``durable = True``) is stored
as one *flow row* (where to find its code again, by reference, and its arguments as JSON)
and one *step row* per completed step (what a pause, a question, a job or a random value
came to). Both go through a group-commit write-behind, as task rows do, into two tables of
the task database (schema step 2 of the ``tasks`` component). The replay itself lives in
:mod:`ember.interaction`; this module only stores.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from ember.storage import WriteBehind, WriterStatistics

__all__ = [
    "FLOW_COLUMNS",
    "STEP_COLUMNS",
    "FlowRow",
    "JournalStore",
    "JournalWriter",
    "StepRow",
    "StoredJournal",
    "step_hook",
]

log = logging.getLogger("ember.scheduling")

#: A flow: (id, ref, args, kwargs, owner, name, started). ``ref`` is the JSON reference of
#: its code (``{"function": "m:f"}`` or ``{"command": "m:Cls"}``), ``args``/``kwargs`` JSON
#: text from the reference codec, ``owner`` an entity key such as ``"object:5"``, ``started``
#: UTC epoch seconds.
FlowRow = tuple[str, str, str, str, str | None, str, float]
#: A step: (flow, seq, kind, key, value, until). ``kind`` is pause/ask/job/random/now,
#: ``key`` what was asked for (the seconds, the question text, the job's function), ``value``
#: the JSON outcome (None: not complete yet) and ``until`` the UTC end of a pause.
StepRow = tuple[str, int, str, str, str | None, float | None]

step_hook: ContextVar[Callable[[Any], Awaitable[Any] | None] | None] = ContextVar(
    "ember_step_hook", default=None
)
"""Set inside an ``async def`` durable flow: awaiting ``sleep()``, a question, a job or a flow
value hands it to this hook, which journals it (None: not a step of that flow's own task).
It lives here, on the floor both ``ember.interaction`` and ``ember.offload`` stand on."""

FLOW_COLUMNS = "id, ref, args, kwargs, owner, name, started"
STEP_COLUMNS = "flow, seq, kind, key, value, until"
_FLOW_LENGTH = 7


@dataclass(frozen=True, slots=True)
class StoredJournal:
    """Everything the journal tables hold: the flows, and their steps in (flow, seq) order."""

    flows: list[FlowRow]
    steps: list[StepRow]


class JournalStore(Protocol):
    """What the task stores offer durable flows (SQLite and PostgreSQL share one contract).

    :meth:`write_journal` applies one batch in one transaction: upserts of flow rows and step
    rows (a step row is keyed by flow and seq), then the deletion of whole flows (the flow row
    and all its steps). Called from the event loop; implementations keep blocking work off it.
    """

    url: str

    async def write_journal(
        self, flows: Sequence[FlowRow], steps: Sequence[StepRow], deletes: Sequence[str]
    ) -> None:
        """Upsert ``flows`` and ``steps``, then delete the flows ``deletes``, all or nothing."""
        ...

    async def load_journal(self) -> StoredJournal:
        """Return every stored flow (by id) and every step (by flow, then seq)."""
        ...


class _Batches:
    """Adapts a :class:`JournalStore` to the write-behind's one-kind-of-row batch write."""

    def __init__(self, store: JournalStore) -> None:
        self.store = store

    @property
    def url(self) -> str:
        """The store's URL, for log lines."""
        return self.store.url

    async def write(
        self, puts: Sequence[FlowRow | StepRow], deletes: Sequence[str | tuple[str, int]]
    ) -> None:
        """Split the batch into flow rows and step rows; deletions are of whole flows."""
        flows = [row for row in puts if len(row) == _FLOW_LENGTH]
        steps = [row for row in puts if len(row) != _FLOW_LENGTH]
        gone = [key for key in deletes if isinstance(key, str)]
        await self.store.write_journal(flows, steps, gone)  # type: ignore[arg-type]


def _key(row: FlowRow | StepRow) -> str | tuple[str, int]:
    return row[0] if len(row) == _FLOW_LENGTH else (row[0], row[1])  # type: ignore[return-value]


class JournalWriter:
    """Queues journal rows and commits them in batches (one transaction per batch).

    Many flows finishing steps at once share one commit; :meth:`flush` returns once all
    queued so far is durable, which a flow awaits before it goes on after a step.
    """

    def __init__(self, store: JournalStore) -> None:
        self.store = store
        self._writer: WriteBehind[str | tuple[str, int], FlowRow | StepRow] = WriteBehind(
            _Batches(store), key=_key, what="flow journal", log=log
        )

    def start(self) -> None:
        """Start committing in the background."""
        self._writer.start()

    def put_flow(self, row: FlowRow) -> None:
        """Queue the upsert of a flow row."""
        self._writer.put(row)

    def put_step(self, row: StepRow) -> None:
        """Queue the upsert of a step row."""
        self._writer.put(row)

    def delete_flow(self, flow_id: str) -> None:
        """Queue the deletion of a flow and all its steps."""
        self._writer.delete(flow_id)

    async def flush(self) -> None:
        """Return once every row queued before the call is durable."""
        await self._writer.flush()

    async def close(self, give_up_after: float | None = None) -> int:
        """Flush and stop; return how many writes could not be made (logged, then dropped:
        a flow whose last step is lost replays to the step before it)."""
        left = await self._writer.close(give_up_after)
        if left:
            log.error("%d flow journal writes could not be made before the stop", len(left))
        return len(left)

    def statistics(self) -> WriterStatistics:
        """Counts of queued and written journal rows."""
        return self._writer.statistics()
