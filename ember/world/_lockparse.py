"""The lock language: a hand-written tokenizer and recursive-descent parser (never ``eval``).

::

    lockstring := entry (";" entry)* [";"]
    entry      := access_type ":" expr
    expr       := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | function "(" [arg ("," arg)*] ")"
    arg        := 'quoted' | "quoted" | word+          (words joined by one space)

Keywords are case-insensitive. Every function call is looked up and its arguments checked
while parsing, so a lock that parses can always be evaluated. Nesting (parentheses and
``not``) is bounded by :data:`MAX_LOCK_DEPTH`, so neither parsing nor checking can run out
of stack; long ``and``/``or`` chains are flat lists, not deep trees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ember.world._errors import LockError
from ember.world._limits import MAX_LOCK_DEPTH, MAX_LOCK_LENGTH

if TYPE_CHECKING:
    from ember.world._lockfuncs import LockFunction, LockFunctions

__all__ = ["And", "Call", "Lock", "Node", "Not", "Or", "evaluate", "parse_locks"]

_TOKEN = re.compile(
    r"\s*(?:(?P<punct>[(),:;])|(?P<quoted>'[^']*'|\"[^\"]*\")|(?P<word>[^\s(),:;'\"]+))"
)
_ACCESS_TYPE = re.compile(r"[a-z_][a-z0-9_]{0,31}")
_KEYWORDS = frozenset({"and", "or", "not"})


@dataclass(frozen=True, slots=True)
class Call:
    """A lock function called with literal arguments: ``perm(Builder)``."""

    function: LockFunction
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    """True when every operand is (checked in order, stopping at the first false)."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """True when any operand is (checked in order, stopping at the first true)."""

    operands: tuple[Node, ...]


Node = Call | Not | And | Or


@dataclass(frozen=True, slots=True)
class Lock:
    """One access type's compiled lock: the expression as written and its tree."""

    access_type: str
    source: str
    tree: Node


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "punct", "quoted", "word" or "end"
    text: str
    start: int


def _where(text: str, position: int) -> str:
    shown = text if len(text) <= 60 else text[max(0, position - 30) : position + 30]
    return f"at character {position + 1} of the lock {shown!r}"


def _fail(text: str, position: int, message: str) -> LockError:
    return LockError(f"{message} {_where(text, position)}", text, position)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while True:
        match = _TOKEN.match(text, position)
        if match is None:
            rest = text[position:]
            if not rest.strip():
                break
            start = position + len(rest) - len(rest.lstrip())
            raise _fail(text, start, "a quote that never closes")
        kind = match.lastgroup or "word"
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str, functions: LockFunctions) -> None:
        self.text = text
        self.functions = functions
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, expected: str) -> LockError:
        token = self.token
        found = "the end" if token.kind == "end" else repr(token.text)
        return _fail(self.text, token.start, f"expected {expected}, found {found}")

    def take(self, punct: str, expected: str) -> _Token:
        token = self.token
        if token.kind != "punct" or token.text != punct:
            raise self.fail(expected)
        self.index += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.token
        if token.kind == "word" and token.text.lower() == word:
            self.index += 1
            return True
        return False

    def entries(self) -> list[Lock]:
        locks: list[Lock] = []
        seen: dict[str, int] = {}
        while self.token.kind != "end":
            if self.token.kind == "punct" and self.token.text == ";":
                self.index += 1  # an empty entry (";;" or a trailing ";")
                continue
            name_token = self.token
            access_type = name_token.text.lower()
            if name_token.kind != "word" or not _ACCESS_TYPE.fullmatch(access_type):
                raise self.fail("an access type (a name such as get, traverse, control)")
            if access_type in seen:
                raise _fail(
                    self.text, name_token.start, f"access type {access_type!r} is given twice"
                )
            seen[access_type] = name_token.start
            self.index += 1
            self.take(":", f"':' after the access type {access_type!r}")
            start = self.token.start
            tree = self.expr(0)
            end = self.tokens[self.index - 1]
            source = self.text[start : end.start + len(end.text)]
            locks.append(Lock(access_type, source, tree))
            if self.token.kind != "end":
                self.take(";", "'and', 'or', ';' or the end")
        if not locks:
            raise _fail(self.text, 0, "expected 'type: expression', found no lock at all")
        return locks

    def expr(self, depth: int) -> Node:
        operands = [self.and_expr(depth)]
        while self.keyword("or"):
            operands.append(self.and_expr(depth))
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self, depth: int) -> Node:
        operands = [self.unary(depth)]
        while self.keyword("and"):
            operands.append(self.unary(depth))
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def unary(self, depth: int) -> Node:
        token = self.token
        if depth >= MAX_LOCK_DEPTH:
            raise _fail(
                self.text,
                token.start,
                f"the lock nests deeper than {MAX_LOCK_DEPTH} levels (MAX_LOCK_DEPTH)",
            )
        if self.keyword("not"):
            return Not(self.unary(depth + 1))
        if token.kind == "punct" and token.text == "(":
            self.index += 1
            inner = self.expr(depth + 1)
            self.take(")", "')' or an operator")
            return inner
        if token.kind != "word" or token.text.lower() in _KEYWORDS:
            raise self.fail("a function such as perm(Builder), 'not' or '('")
        return self.call()

    def call(self) -> Call:
        token = self.token
        name = token.text.lower()
        function = self.functions.get(name)
        if function is None:
            known = ", ".join(self.functions.names())
            raise _fail(
                self.text, token.start, f"unknown lock function {token.text!r} (known: {known})"
            )
        self.index += 1
        self.take("(", f"'(' after {name}")
        args: list[str] = []
        if not (self.token.kind == "punct" and self.token.text == ")"):
            args.append(self.arg(name))
            while self.token.kind == "punct" and self.token.text == ",":
                self.index += 1
                args.append(self.arg(name))
        self.take(")", f"',' or ')' in the arguments of {name}")
        try:
            function.check_args(args)
        except LockError as error:
            raise _fail(self.text, token.start, str(error)) from None
        return Call(function, tuple(args))

    def arg(self, name: str) -> str:
        token = self.token
        if token.kind == "quoted":
            self.index += 1
            return token.text[1:-1]
        words = []
        while self.token.kind == "word":
            words.append(self.token.text)
            self.index += 1
        if not words:
            raise self.fail(f"an argument of {name}")
        return " ".join(words)


def parse_locks(text: object, functions: LockFunctions) -> list[Lock]:
    """Parse a lock string into one :class:`Lock` per access type, in the order given.

    Raises :class:`LockError` (a ``ValueError``) naming the character where the string
    stops making sense: bad syntax, an unknown function, wrong arguments, an access type
    given twice, nesting beyond :data:`MAX_LOCK_DEPTH`, or more than
    :data:`MAX_LOCK_LENGTH` characters.
    """
    if type(text) is not str:
        raise LockError(f"a lock string must be a str, got {type(text).__name__} {text!r}")
    if len(text) > MAX_LOCK_LENGTH:
        raise LockError(
            f"the lock string is {len(text)} characters long; the limit is {MAX_LOCK_LENGTH} "
            "(MAX_LOCK_LENGTH)",
            text,
        )
    return _Parser(text, functions).entries()


def evaluate(node: Node, accessor: Any, obj: Any) -> bool:
    """Whether ``accessor`` passes ``node`` on ``obj``; a lock function's errors propagate
    (the lock handler logs them and refuses)."""
    if type(node) is Call:
        return bool(node.function.func(accessor, obj, *node.args))
    if type(node) is Or:
        return any(evaluate(operand, accessor, obj) for operand in node.operands)
    if type(node) is And:
        return all(evaluate(operand, accessor, obj) for operand in node.operands)
    assert type(node) is Not
    return not evaluate(node.operand, accessor, obj)
