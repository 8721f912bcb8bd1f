"""This game's commands: every Command subclass defined here is added to the defaults.

A command with the key of a default command replaces it. Edit this file and run
`ember reload` (or the `reload` command as a Developer): players stay connected.
"""

from ember import Command, delay


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
