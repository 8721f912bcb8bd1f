"""``help``: the commands grouped by category, one command's help, and topic pages a game
adds as text files in its ``help/`` folder (``help/rules.txt`` is ``help rules``).

Topic files are read once at start (a reload is a new process, so it reads them again);
their number, size and names are bounded and checked, and a file that breaks a rule is
skipped with a warning in the log naming it.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ember.game.commands._command import CmdSet, Command
from ember.game.commands._suggest import MAX_WORD, suggest

__all__ = [
    "HELP_FOLDER",
    "MAX_HELP_TOPICS",
    "MAX_HELP_TOPIC_BYTES",
    "CmdHelp",
    "load_help_topics",
]

log = logging.getLogger("ember.game")

#: The folder of the game directory whose ``<topic>.txt`` and ``<topic>.md`` files are topics.
HELP_FOLDER = "help"
#: Topic pages read at most (the first, by file name); a help list of more is unreadable.
MAX_HELP_TOPICS = 500
#: Largest topic file, in bytes (64 KiB is some 30 screens of text).
MAX_HELP_TOPIC_BYTES = 64 * 1024
#: A topic's name: its file name without the suffix, lower-cased, as players type it.
TOPIC_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_SUFFIXES = (".txt", ".md")


def load_help_topics(folder: str | Path) -> dict[str, str]:
    """Return the topic pages in ``folder`` (name -> text); ``{}`` when it does not exist.

    A topic is a file ``<name>.txt`` or ``<name>.md`` whose name (lower-cased) matches
    :data:`TOPIC_NAME`, of at most :data:`MAX_HELP_TOPIC_BYTES` bytes of UTF-8; at most
    :data:`MAX_HELP_TOPICS` are read, in file-name order. Other files are skipped with a
    warning in the log (a topic named twice keeps the first file).
    """
    root = Path(folder)
    if not root.is_dir():
        return {}
    topics: dict[str, str] = {}
    skipped = 0
    for path in sorted(root.iterdir()):
        if path.suffix.lower() not in _SUFFIXES or not path.is_file():
            continue
        name = path.stem.lower()
        problem = _problem(path, name, topics)
        if problem is None and len(topics) >= MAX_HELP_TOPICS:
            skipped += 1
            continue
        if problem is None:
            try:
                topics[name] = path.read_text(encoding="utf-8").strip()
                continue
            except (OSError, UnicodeDecodeError) as error:
                problem = f"cannot be read as UTF-8 text ({error})"
        log.warning("help topic file %s skipped: %s", path, problem)
    if skipped:
        log.warning(
            "help topics: %d more files in %s skipped; at most %d are read (MAX_HELP_TOPICS)",
            skipped,
            root,
            MAX_HELP_TOPICS,
        )
    return topics


def _problem(path: Path, name: str, topics: dict[str, str]) -> str | None:
    """Why ``path`` cannot be the topic ``name``, or ``None``."""
    if not TOPIC_NAME.fullmatch(name):
        return (
            f"the name {name!r} is not 1-40 letters, digits, '-' or '_' starting with a"
            " letter or digit"
        )
    if name in topics:
        return f"a topic {name!r} was read from another file already"
    size = path.stat().st_size
    if size > MAX_HELP_TOPIC_BYTES:
        return f"{size:,} bytes; the most is {MAX_HELP_TOPIC_BYTES:,} (MAX_HELP_TOPIC_BYTES)"
    return None


class CmdHelp(Command):
    """Show the commands you can use, or the help of one, or a topic.

    Usage:
      help              list the commands by category, and the topics
      help <command>    how to use one command
      help <topic>      read a topic page
      help <category>   the commands of one category
    """

    key = "help"
    aliases = ("?",)
    interrupts_action = False  # runs alongside an action

    def func(self) -> None:
        """List the allowed commands and the topics, or show the page the argument names."""
        if not self.args:
            self.session.msg(self.overview())
            return
        word = self.args.split()[0].lower()
        cmdset = self.cmdset
        topic = cmdset.help_topics.get(word)
        if topic is not None:  # a game's page wins, even over a command's own help
            self.session.msg(f"Help: {word}\n{topic}")
            return
        found = cmdset.get(word)
        if found is not None and found.allowed(self.caller):
            names = ", ".join(found.names())
            self.session.msg(f"Help for {found.key} ({names}):\n{found.help()}")
            return
        groups = self.categories()
        category = next((name for name in groups if name.lower() == word), None)
        if category is not None:
            lines = [f"{category}:", *self.lines(groups[category])]
            self.session.msg("\n".join(lines))
            return
        self.session.msg(self.no_help(word, cmdset))

    def categories(self) -> dict[str, list[type[Command]]]:
        """The commands the caller may use, by ``help_category``: General first, then the
        others in alphabetical order."""
        groups: dict[str, list[type[Command]]] = {}
        for command in self.cmdset:
            if command.allowed(self.caller):
                groups.setdefault(command.help_category or "General", []).append(command)
        order = sorted(groups, key=lambda name: (name != "General", name.lower()))
        return {name: groups[name] for name in order}

    @staticmethod
    def lines(commands: list[type[Command]]) -> list[str]:
        """One line per command: its key and the first line of its help."""
        return [f"  {command.key:<12} {command.summary()}" for command in commands]

    def overview(self) -> str:
        """The whole list: each category's commands, then the topic pages."""
        lines = ["Commands:"]
        for category, commands in self.categories().items():
            lines.append(f" {category}:")
            lines.extend(self.lines(commands))
        topics = sorted(self.cmdset.help_topics)
        if topics:
            lines.append(f"Topics: {', '.join(topics)}.")
            lines.append("Type 'help <command>' or 'help <topic>' for more.")
        else:
            lines.append("Type 'help <command>' for more.")
        return "\n".join(lines)

    def no_help(self, word: str, cmdset: CmdSet) -> str:
        """The answer to a word that is no command, topic or category, with close names."""
        names = [
            name
            for name in cmdset.names()
            if (cls := cmdset.get(name)) and cls.allowed(self.caller)
        ]
        close = suggest(word, [*names, *cmdset.help_topics])
        shown = word if len(word) <= MAX_WORD else word[:MAX_WORD] + "..."
        text = f"No help for '{shown}'."
        if close:
            text += f" Did you mean: {', '.join(close)}?"
        return text + " Type 'help' for a list of commands."
