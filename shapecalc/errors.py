"""One error hierarchy. Every error about a spec knows where in the text it points."""

from __future__ import annotations

import re
from typing import NamedTuple

SHOWN = 120  # characters of a source line under a message, around the column it points at

_LINE_END = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")  # after \n, \r\n or a lone \r


def source_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of a spec as Python counts them: only \\n, \\r\\n and \\r end a line
    (``str.splitlines`` also splits at form feeds and U+2028, which may stand in a comment)."""
    lines = _LINE_END.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


class Span(NamedTuple):
    """A place in the spec text: 1-based line and column, end exclusive. (A named tuple:
    there is one per syntax node, so it must be cheap to make.)"""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int, width: int = 1) -> Span:
        return cls(line, column, line, column + max(width, 1))


class ShapecalcError(Exception):
    """Base class of everything shapecalc raises on purpose."""


class SpecError(ShapecalcError):
    """The spec text is wrong: syntax, an unknown name, a bad argument, an invalid layer.

    ``source_line`` is the text of the line the span starts on, so that ``str()`` can draw a
    caret under the offending text; ``path`` is filled in by whoever read the file.
    """

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        source_line: str | None = None,
        *,
        path: str | None = None,
        layer_index: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.source_line = source_line
        self.path = path
        self.layer_index = layer_index

    def located(self, *, path: str | None = None, source: str | None = None) -> SpecError:
        """This error with the file name and the source line filled in where missing."""
        if path is not None and self.path is None:
            self.path = path
        if source is not None and self.source_line is None and self.span is not None:
            lines = source_lines(source)
            if 0 < self.span.line <= len(lines):
                self.source_line = lines[self.span.line - 1]
        return self

    @property
    def location(self) -> str:
        parts = [self.path or "<spec>"]
        if self.span is not None:
            parts += [str(self.span.line), str(self.span.column)]
        return ":".join(parts)

    def __str__(self) -> str:
        text = f"{self.location}: error: {shorten(_short_quotes(self.message), 2_000)}"
        if self.span is not None and self.source_line is not None:
            line = self.source_line.expandtabs(1).rstrip()
            start = self.span.column - 1
            if self.span.end_line == self.span.line:
                width = max(self.span.end_column - self.span.column, 1)
            else:
                width = max(len(line) - start, 1)
            line, start, width = excerpt(line, start, width)
            text += f"\n    {line}\n    {' ' * start}{'^' * width}"
        return text


def excerpt(line: str, start: int, width: int) -> tuple[str, int, int]:
    """At most SHOWN characters of a line around what starts at ``start``, cut ends marked
    with "…"; and where the marked text now starts, and its width within the excerpt."""
    if len(line) <= SHOWN:
        return line, start, width
    first = min(max(start - SHOWN // 3, 0), len(line) - SHOWN)
    shown = line[first:first + SHOWN]
    lead = "…" if first else ""
    start = start - first + len(lead)
    width = max(min(width, len(lead) + len(shown) - start), 1)
    return lead + shown + ("…" if first + SHOWN < len(line) else ""), start, width


def shorten(text: str, limit: int = SHOWN) -> str:
    """The text, or its two ends around a "…" when it is longer than ``limit``."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    return f"{text[:head]}…{text[len(text) - (limit - head - 1):]}"


def _short_quotes(message: str) -> str:
    """A message whose quoted code (`...`) is shortened where it is long."""
    return re.sub(r"`([^`]{%d,})`" % (SHOWN + 1), lambda m: f"`{shorten(m[1])}`", message)


class LayerError(SpecError):
    """A layer refuses its arguments or its input, as the framework would."""


class UsageError(ShapecalcError):
    """The command line, not the spec, is wrong (exit status 2)."""
