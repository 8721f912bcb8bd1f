"""This game's commands: every Command subclass defined here is added to the defaults.

A command with the key of a default command replaces it. Edit this file and run
`ember reload` (or the `reload` command as a Developer): players stay connected.
"""

import time
from collections.abc import Iterator
from typing import Any

from ember import (
    ActionInterrupted,
    Command,
    ask_yes_no,
    create_object,
    default_commands,
    delay,
    has_permission,
    interactive,
    report_progress,
    returnValue,
    run_async,
    sleep,
)


class CmdWave(Command):
    """Wave, and feel it in your arm a little later.

    Usage:
      wave
    """

    key = "wave"
    aliases = ("hello",)

    def func(self) -> None:
        self.caller.msg("You wave.")
        delay(2, self.caller.msg, "Your arm is tired from all that waving.")


# Pausing and asking (docs/interactive.md). `myfunc` and `compute` are the two examples of
# Evennia's "Async Process" page, unchanged but for the import line.


@interactive
def myfunc(caller):  # type: ignore[no-untyped-def]
    while True:
        caller.msg("Getting ready to wait ...")
        yield (5)
        caller.msg("Now 5 seconds have passed.")
        response = yield ("Do you want to wait another 5 secs?")
        if response.lower() not in ("yes", "y"):
            break


@interactive
def compute():  # type: ignore[no-untyped-def]
    # ...
    result = 10
    # this must be used instead of `return result`
    returnValue(result)


class CmdWaitLoop(Command):
    """Wait five seconds, then choose whether to wait again (an @interactive function).

    Usage:
      waitloop
    """

    key = "waitloop"

    def func(self) -> None:
        myfunc(self.caller)  # returns at once; the loop goes on while you play


class CmdCompute(Command):
    """Get a result from an @interactive function that ends with returnValue.

    Usage:
      compute
    """

    key = "compute"

    async def func(self) -> None:
        self.caller.msg(f"The result is {await compute()}.")


# Actions (docs/actions.md): while one runs you are busy. Moving interrupts it (the flow
# hears why and tidies up), `look`, `say` and `help` run alongside, other commands are
# refused with the busy message, and `stop` ends it.


class CmdDig(default_commands.CmdDig):
    """Dig for treasure: an action written as a generator (it pauses with yield). Builders
    also dig rooms with it: this game's `dig` extends Ember's.

    Usage:
      dig                                   dig for treasure here
      dig <room> [= <exit there>, <exit back>]   (Builders) make a room

    Walking away or typing stop interrupts the digging.
    """

    permission = None  # anyone digs for treasure; digging rooms is checked below

    def func(self) -> None:
        if self.args:
            if has_permission(getattr(self.caller, "permissions", ()), "Builder"):
                super().func()
            else:
                self.caller.msg("Only builders dig rooms; to dig for treasure: dig.")
            return
        self.caller.start_action("digging", self.dig())  # type: ignore[union-attr]

    def dig(self) -> Iterator[Any]:
        caller = self.caller
        caller.msg("You start digging...")
        try:
            yield 10
            if (yield ask_yes_no("You hit something hard. Dig on?", default=True)):
                yield 5
                caller.msg("You found a gem!")
            else:
                caller.msg("You fill the hole in again.")
        except ActionInterrupted as why:
            caller.msg(f"You climb out of the half-dug hole ({why.reason}).")


class CmdRest(Command):
    """Rest by the fire: the same kind of action written with async def.

    Usage:
      rest
    """

    key = "rest"

    def func(self) -> None:
        self.caller.start_action("resting", self.rest())  # type: ignore[union-attr]

    async def rest(self) -> None:
        caller = self.caller
        caller.msg("You sit down by the fire.")
        try:
            await sleep(5)
            if await ask_yes_no("You feel rested. Stay a while longer?", default=False):
                await sleep(5)
        except ActionInterrupted:
            caller.msg("You get up before you are quite rested.")
            return
        caller.msg("You get up again.")


class CmdBrew(Command):
    """Brew a potion: an action nothing but stop can interrupt (you must watch the pot).

    Usage:
      brew [name]
    """

    key = "brew"

    def func(self) -> None:
        name = self.args.strip()[:40] or "something murky"
        self.caller.start_action(  # type: ignore[union-attr]
            "brewing",
            self.brew(name),
            interruptible=False,
            message=f"You are busy brewing {name}; stay by the pot (or stop).",
        )

    def brew(self, name: str) -> Iterator[Any]:
        caller = self.caller
        caller.msg(f"You start brewing {name}...")
        try:
            yield 10
        except ActionInterrupted:
            caller.msg(f"You pour the half-brewed {name} away.")
            return
        caller.msg(f"Your {name} is ready.")


# Background work (docs/background-work.md): a heavy job that reports its progress.


def crunch(seconds: float) -> int:
    """Count primes by trial division for ``seconds``: pure-Python CPU work, with progress.

    Module-level, so a worker process or a Dask worker can import it by name.
    """
    start, found, n = time.monotonic(), 0, 2
    while (elapsed := time.monotonic() - start) < seconds:
        if all(n % d for d in range(2, int(n**0.5) + 1)):
            found += 1
        n += 1
        if n % 256 == 0:
            report_progress(elapsed / seconds, "Crunching")
    report_progress(1.0, "Crunching")
    return found


# Limits of the crunch demo (issue 9): the process pool has two workers by default, so more
# jobs would only queue; one per player keeps one player from filling that queue.
CRUNCH_MAX_SECONDS = 60.0
CRUNCHES_PER_PLAYER = 1
CRUNCHES_AT_ONCE = 4
_crunching: dict[object, int] = {}  # running crunches per caller


class CmdCrunch(Command):
    """Crunch numbers in the background and watch the progress; the game stays responsive.

    Usage:
      crunch [seconds]           in a worker process (for CPU-heavy pure Python)
      crunch/thread [seconds]    in a thread (pure Python there still slows everyone a bit)
      crunch/cluster [seconds]   on the Dask cluster at CLUSTER_ADDRESS (settings.py)

    One crunch per player at a time, four in all, at most 60 seconds each. (Crunching on the
    game loop itself would freeze every player meanwhile, so there is no such form.)
    """

    key = "crunch"

    def func(self) -> None:
        where = self.switches[0] if self.switches else "process"
        if where == "sync":
            self.caller.msg(
                "crunch/sync is not offered: it would freeze the whole game meanwhile. "
                "Try crunch or crunch/thread."
            )
            return
        if where not in ("process", "thread", "cluster"):
            self.caller.msg(f"crunch/{where}? Use crunch, crunch/thread or crunch/cluster.")
            return
        try:
            seconds = min(CRUNCH_MAX_SECONDS, max(0.1, float(self.args or 3)))
        except ValueError:
            self.caller.msg("Usage: crunch[/thread|/cluster] [seconds]")
            return
        caller = self.caller
        if _crunching.get(caller, 0) >= CRUNCHES_PER_PLAYER:
            caller.msg("You are crunching already; wait for it to finish.")
            return
        if sum(_crunching.values()) >= CRUNCHES_AT_ONCE:
            caller.msg(f"{CRUNCHES_AT_ONCE} crunches are running already; try again soon.")
            return
        _crunching[caller] = _crunching.get(caller, 0) + 1

        def finished() -> None:
            left = _crunching.get(caller, 1) - 1
            if left > 0:
                _crunching[caller] = left
            else:
                _crunching.pop(caller, None)

        def done(found: int) -> None:
            finished()
            caller.msg(f"Crunched {found} primes in {seconds:g} s ({where}).")

        def failed(error: BaseException) -> None:
            finished()
            caller.msg(f"The crunch did not finish: {error}")

        try:
            run_async(crunch, seconds, executor=where, at_return=done, at_err=failed)
        except BaseException:
            finished()
            raise
        caller.msg(f"Crunching for {seconds:g} s ({where}); carry on playing.")


# The demo area (world.py): doors that swing shut by themselves, a fire that spreads.


class CmdOpen(default_commands.CmdOpen):
    """Open a door here (it swings shut by itself a while later), or, for builders, make an
    exit: this game's `open` extends Ember's.

    Usage:
      open <door>
      open <exit>[;aliases] = <destination>     (Builders)
    """

    permission = None  # anyone may open a door; making exits is checked below

    def func(self) -> None:
        if "=" in self.args:
            if has_permission(getattr(self.caller, "permissions", ()), "Builder"):
                super().func()
            else:
                self.caller.msg("Only builders make exits; to open a door: open <door>.")
            return
        door = _door(self)
        if door is not None and not door.open(self.caller):
            self.caller.msg(f"The {door.key} is already open.")


class CmdClose(Command):
    """Close a door here.

    Usage:
      close <door>
    """

    key = "close"

    def func(self) -> None:
        door = _door(self)
        if door is not None and not door.close(self.caller):
            self.caller.msg(f"The {door.key} is already closed.")


def _door(command: Command) -> Any:
    """The door the command's argument names in the caller's room, or None (and say why)."""
    from world import Door  # type: ignore[import-not-found]  # this game's world.py

    here = getattr(command.caller, "location", None)
    wanted = command.args.strip().lower() or "door"
    doors = [
        obj
        for obj in (here.contents if here is not None else [])
        if isinstance(obj, Door) and wanted in (obj.key.lower(), *map(str.lower, obj.aliases))
    ]
    if not doors:
        command.caller.msg(f"There is no {wanted} here to {command.key}.")
        return None
    return doors[0]


class CmdKindle(Command):
    """Kindle a fire where you stand (only dry places catch) and watch it spread.

    Usage:
      kindle
    """

    key = "kindle"

    def func(self) -> None:
        from world import FLAMMABLE_TAG, Fire  # this game's world.py

        here = getattr(self.caller, "location", None)
        if here is None or not here.has_tag(FLAMMABLE_TAG):
            self.caller.msg("Nothing here would catch.")
        elif any(isinstance(obj, Fire) for obj in here.contents):
            self.caller.msg("It is burning already.")
        else:
            create_object(Fire, "fire", location=here, aliases=["flames"])
