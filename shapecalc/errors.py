"""One error hierarchy. Every error about a spec knows where in the text it points."""

from __future__ import annotations

from typing import NamedTuple



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
            lines = source.splitlines()
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
        text = f"{self.location}: error: {self.message}"
        if self.span is not None and self.source_line is not None:
            line = self.source_line.expandtabs(1)
            start = self.span.column - 1
            if self.span.end_line == self.span.line:
                width = max(self.span.end_column - self.span.column, 1)
            else:
                width = max(len(line.rstrip()) - start, 1)
            text += f"\n    {line.rstrip()}\n    {' ' * start}{'^' * width}"
        return text


class LayerError(SpecError):
    """A layer refuses its arguments or its input, as the framework would."""


class UsageError(ShapecalcError):
    """The command line, not the spec, is wrong (exit status 2)."""
