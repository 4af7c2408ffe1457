"""Reading a spec: text → statements → syntax tree, with a position on everything.

A spec line is either a directive (``convention:``, ``input:``, ``let``) or a constructor
call copied from Python code. The Python parts go through the standard library's parser
(``ast.parse`` builds a tree and runs nothing) and are converted at once into our own
immutable tree; any construct outside the small accepted subset is refused with its
position. Nothing is ever evaluated here.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Iterator

from shapecalc.errors import Span, SpecError
from shapecalc.spec import syntax as S

MAX_NESTING = 48
MAX_STATEMENT_CHARS = 100_000

_DIRECTIVE = re.compile(r"(convention|input|let)\b\s*(:?)", re.IGNORECASE)
_LET = re.compile(r"let\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*", re.IGNORECASE)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {v: k for k, v in _OPEN.items()}

_SEQUENTIAL = {"Sequential"}
_INPUT_CALLS = {"Input", "InputLayer"}
_TENSOR_FACTORIES = {"randn", "rand", "zeros", "ones", "empty", "randint"}


def read_spec(source: str, path: str = "<spec>") -> S.Spec:
    """Parse a whole spec. Raises SpecError (with path and source line) on the first error."""
    try:
        statements = tuple(_statements(source))
    except SpecError as error:
        raise error.located(path=path, source=source)
    return S.Spec(path=path, source=source, statements=statements)


# -- splitting the text into logical statements ---------------------------------------------


def _logical_lines(source: str) -> Iterator[tuple[str, int, int]]:
    """Yield (text, line, column) for each statement; brackets continue a statement across
    lines, ``#`` starts a comment outside strings. Columns are 1-based."""
    lines = source.splitlines()
    buffer: list[str] = []
    start: tuple[int, int] | None = None
    stack: list[tuple[str, int, int]] = []
    quote: str | None = None
    for number, line in enumerate(lines, start=1):
        kept = []
        i = 0
        while i < len(line):
            ch = line[i]
            if quote:
                if ch == "\\":
                    kept.append(line[i : i + 2])
                    i += 2
                    continue
                if line.startswith(quote, i):
                    kept.append(quote)
                    i += len(quote)
                    quote = None
                    continue
            elif ch == "#":
                break
            elif ch in "'\"":
                quote = ch * 3 if line.startswith(ch * 3, i) else ch
                kept.append(quote)
                i += len(quote)
                continue
            elif ch in _OPEN:
                stack.append((ch, number, i + 1))
                if len(stack) > MAX_NESTING:
                    raise SpecError(
                        f"brackets nested deeper than {MAX_NESTING} levels",
                        Span.point(number, i + 1),
                    )
            elif ch in _CLOSE:
                if not stack or stack[-1][0] != _CLOSE[ch]:
                    expected = f"'{_OPEN[stack[-1][0]]}'" if stack else "nothing to close"
                    raise SpecError(
                        f"unmatched '{ch}' (expected {expected})", Span.point(number, i + 1)
                    )
                stack.pop()
            kept.append(ch)
            i += 1
        text = "".join(kept)
        if quote and len(quote) == 1:
            raise SpecError("string is not closed on this line", Span.point(number, len(line)))
        continued = text.rstrip().endswith("\\")
        if continued:
            text = text.rstrip()[:-1]
        if start is None:
            if not text.strip():
                continue
            column = len(text) - len(text.lstrip()) + 1
            start = (number, column)
            buffer = [text.lstrip()]
        else:
            buffer.append(text)
        if sum(map(len, buffer)) > MAX_STATEMENT_CHARS:
            raise SpecError(
                f"statement longer than {MAX_STATEMENT_CHARS:,} characters", Span.point(*start)
            )
        if not stack and not quote and not continued:
            yield "\n".join(buffer), start[0], start[1]
            start = None
    if stack:
        ch, line_no, col = stack[-1]
        raise SpecError(f"'{ch}' is never closed", Span.point(line_no, col))
    if quote:
        raise SpecError("string is never closed", Span.point(len(lines), 1))
    if start is not None:
        yield "\n".join(buffer), start[0], start[1]


# -- statements ----------------------------------------------------------------------------


def _statements(source: str) -> Iterator[object]:
    for text, line, column in _logical_lines(source):
        directive = _DIRECTIVE.match(text)
        if directive and (directive.group(2) or directive.group(1).lower() == "let"):
            yield _directive(directive.group(1).lower(), text, line, column)
            continue
        yield from _python_statement(text, line, column)


def _directive(kind: str, text: str, line: int, column: int) -> object:
    span = Span(line, column, line, column + len(text.splitlines()[0]))
    if kind == "let":
        match = _LET.match(text)
        if not match:
            raise SpecError(
                "expected `let NAME = expression`, e.g. `let H = 224`",
                Span.point(line, column, len(text.splitlines()[0])),
            )
        value = _parse_expression(text[match.end() :], line, column + match.end(), text)
        return S.Let(name=match.group(1), value=value, span=span)
    rest_at = _DIRECTIVE.match(text).end()
    rest = text[rest_at:]
    if not rest.strip():
        example = "pytorch" if kind == "convention" else "(1, 3, 224, 224)"
        raise SpecError(f"`{kind}:` needs a value, e.g. `{kind}: {example}`", span)
    if kind == "convention":
        name = rest.strip().lower().strip("'\"")
        aliases = {"pytorch": "pytorch", "torch": "pytorch", "keras": "keras", "tf": "keras",
                   "tensorflow": "keras", "tf.keras": "keras"}
        if name not in aliases:
            offset = rest_at + len(rest) - len(rest.lstrip())
            raise SpecError(
                f"unknown convention {rest.strip()!r}; valid: pytorch, keras",
                Span.point(line, column + offset, len(rest.strip())),
            )
        return S.ConventionDecl(name=aliases[name], span=span)
    value = _parse_expression(rest, line, column + rest_at, text)
    return S.InputDecl(value=value, span=span)


def _python_statement(text: str, line: int, column: int) -> Iterator[object]:
    tree = _parse(text, "exec", line, column)
    if len(tree.body) != 1:
        where = tree.body[1] if len(tree.body) > 1 else None
        span = _span_of(where, line, column, text) if where else Span.point(line, column)
        raise SpecError("one statement per line: split this line", span)
    stmt = tree.body[0]
    convert = _Converter(line, column, text)
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return  # pasted code often starts with imports; they name nothing we need
    target = None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = _target_name(stmt.targets[0], convert)
        value_node = stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target = _target_name(stmt.target, convert)
        value_node = stmt.value
    elif isinstance(stmt, ast.Expr):
        value_node = stmt.value
    else:
        raise SpecError(
            "expected a layer constructor such as `nn.Conv2d(3, 64, 3)`, or a directive "
            "(`convention:`, `input:`, `let`)",
            convert.span(stmt),
        )
    # `nn.Conv2d(3, 64, 3),` copied from inside a Sequential parses as a 1-tuple
    if isinstance(value_node, ast.Tuple) and len(value_node.elts) == 1:
        value_node = value_node.elts[0]
    value = convert(value_node)
    yield from _interpret(value, target, convert)


def _target_name(node: ast.AST, convert: _Converter) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # self.conv1 = nn.Conv2d(...)
        return node.attr
    raise SpecError("expected a single name before `=`", convert.span(node))


def _interpret(value: object, target: str | None, convert: _Converter) -> Iterator[object]:
    """Turn one Python expression into spec statements."""
    if not isinstance(value, S.Call):
        raise SpecError(
            "expected a layer constructor such as `nn.Conv2d(3, 64, 3)` or "
            "`layers.Dense(10)`",
            value.span,
        )
    func = value.func
    if isinstance(func, S.Name):
        last = func.parts[-1]
        if last in _SEQUENTIAL:
            yield from _sequential(value, convert)
            return
        if last == "add" and len(func.parts) >= 2 and len(value.args) == 1:  # model.add(...)
            yield from _interpret(value.args[0], target, convert)
            return
        if last in _INPUT_CALLS or (
            last in _TENSOR_FACTORIES and func.parts[0] in ("torch", "tf")
        ):
            yield S.InputDecl(value=value, target=target, span=value.span)
            return
        yield S.LayerLine(call=value, source=convert.source(value), target=target,
                          span=value.span)
        return
    if isinstance(func, S.Call):  # Keras functional style: layers.Dense(10)(x)
        inputs = []
        for arg in value.args:
            if isinstance(arg, S.Name) and len(arg.parts) == 1:
                inputs.append(arg.parts[0])
            else:
                raise SpecError("a layer is applied to a tensor name, e.g. `(x)`", arg.span)
        if value.keywords:
            raise SpecError("keyword arguments of a layer call are not supported",
                            value.keywords[0].span)
        yield S.LayerLine(call=func, source=convert.source(func), target=target,
                          inputs=tuple(inputs), span=func.span)
        return
    raise SpecError("expected a layer constructor", value.span)


def _sequential(call: S.Call, convert: _Converter) -> Iterator[object]:
    items: list = list(call.args)
    if len(items) == 1 and isinstance(items[0], S.Sequence):  # keras.Sequential([...])
        items = list(items[0].items)
    for keyword in call.keywords:
        if keyword.name == "layers" and isinstance(keyword.value, S.Sequence):
            items.extend(keyword.value.items)
    for item in items:
        yield from _interpret(item, None, convert)


# -- expressions ---------------------------------------------------------------------------


def _parse_expression(text: str, line: int, column: int, whole: str) -> object:
    stripped = text.lstrip()
    column += len(text) - len(stripped)
    tree = _parse(stripped, "eval", line, column)
    return _Converter(line, column, stripped)(tree.body)


def _parse(text: str, mode: str, line: int, column: int) -> ast.AST:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "invalid decimal literal": ours is the error
            return ast.parse(text, mode=mode)
    except SyntaxError as error:
        err_line = line + (error.lineno or 1) - 1
        offset = error.offset or 1
        if (error.lineno or 1) == 1:
            offset = _char_column(text.splitlines()[0] if text else "", offset - 1) + column
        message = (error.msg or "invalid syntax").replace("'(' was never closed", "unclosed '('")
        raise SpecError(f"syntax error: {message}", Span.point(err_line, offset)) from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as error:
        raise SpecError(f"cannot parse this statement: {error}", Span.point(line, column)) from None


def _char_column(line_text: str, byte_offset: int) -> int:
    """ast reports columns in UTF-8 bytes; messages need characters (1-based)."""
    return len(line_text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1


def _span_of(node: ast.AST, line: int, column: int, text: str) -> Span:
    return _Converter(line, column, text).span(node)


class _Converter:
    """Converts the accepted subset of Python's tree into ours, mapping positions back to
    the spec file (the statement starts at ``line``, ``column``)."""

    _BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
               ast.Mod: "%", ast.Pow: "**"}
    _UNARY = {ast.USub: "-", ast.UAdd: "+"}

    def __init__(self, line: int, column: int, text: str) -> None:
        self.line = line
        self.column = column
        self.lines = text.splitlines() or [""]
        self.depth = 0

    def _position(self, lineno: int, col_offset: int) -> tuple[int, int]:
        text = self.lines[lineno - 1] if lineno - 1 < len(self.lines) else ""
        col = _char_column(text, col_offset)
        if lineno == 1:
            return self.line, self.column + col - 1
        return self.line + lineno - 1, col

    def span(self, node: ast.AST) -> Span:
        line, col = self._position(node.lineno, node.col_offset)
        end_line, end_col = self._position(
            node.end_lineno or node.lineno, node.end_col_offset or node.col_offset + 1
        )
        return Span(line, col, end_line, end_col)

    def source(self, node: object) -> str:
        """The text of a converted node, as written."""
        span = node.span
        first = span.line - self.line
        last = span.end_line - self.line
        start_col = span.column - (self.column if first == 0 else 1)
        end_col = span.end_column - (self.column if last == 0 else 1)
        if first == last:
            return self.lines[first][start_col:end_col]
        chunk = [self.lines[first][start_col:]] + self.lines[first + 1 : last]
        chunk.append(self.lines[last][:end_col])
        return " ".join(part.strip() for part in chunk)

    def __call__(self, node: ast.AST) -> object:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise SpecError(f"expression nested deeper than {MAX_NESTING} levels",
                            self.span(node))
        try:
            return self._convert(node)
        finally:
            self.depth -= 1

    def _convert(self, node: ast.AST) -> object:
        span = self.span(node)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or v is None:
                return S.Constant(v, span)
            if isinstance(v, (int, float)):
                return S.Number(v, span)
            if isinstance(v, str):
                return S.String(v, span)
            raise SpecError(f"unsupported literal {v!r}", span)
        if isinstance(node, (ast.Name, ast.Attribute)):
            parts = []
            cur = node
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if not isinstance(cur, ast.Name):
                raise SpecError("expected a dotted name such as `nn.Conv2d`", span)
            parts.append(cur.id)
            return S.Name(tuple(reversed(parts)), span)
        if isinstance(node, (ast.Tuple, ast.List)):
            kind = "tuple" if isinstance(node, ast.Tuple) else "list"
            return S.Sequence(tuple(self(e) for e in node.elts), kind, span)
        if isinstance(node, ast.BinOp) and type(node.op) in self._BINARY:
            return S.BinaryOp(self._BINARY[type(node.op)], self(node.left), self(node.right),
                              span)
        if isinstance(node, ast.UnaryOp) and type(node.op) in self._UNARY:
            return S.UnaryOp(self._UNARY[type(node.op)], self(node.operand), span)
        if isinstance(node, ast.Call):
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise SpecError("`*args` cannot be read without running code", span)
            keywords = []
            for kw in node.keywords:
                if kw.arg is None:
                    raise SpecError("`**kwargs` cannot be read without running code",
                                    self.span(kw))
                keywords.append(S.Keyword(kw.arg, self(kw.value), self.span(kw)))
            return S.Call(self(node.func), tuple(self(a) for a in node.args), tuple(keywords),
                          span)
        what = type(node).__name__
        raise SpecError(
            f"`{what}` is not part of the spec language: use numbers, names, strings, "
            "tuples, + - * / // % ** and constructor calls",
            span,
        )
