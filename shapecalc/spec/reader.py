"""Reading a spec: Python model code plus a few directive lines.

The directives (``convention:``, ``input:``, ``let``, ``expect``) are not Python. They are
read here into our own immutable tree, and the lines they stand on are rewritten so that
what remains is a Python module with every line where it was: ``convention:`` and
``expect`` lines become blank, ``let H = 224`` becomes the assignment ``H     = 224`` and
``input x: (1, 3, H, W)`` the assignment ``__input__x = (1, 3, H, W)``, which the
interpreter treats as declarations. The module is then parsed once by the standard
library's parser (``ast.parse`` builds a tree and runs nothing); nothing is evaluated here.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Iterator

from shapecalc.errors import Span, SpecError, source_lines
from shapecalc.spec import syntax as S

MAX_NESTING = 48
MAX_STATEMENT_CHARS = 100_000
MAX_SOURCE_CHARS = 2_000_000
INPUT_TARGET = "__input__"  # the assignment an `input:` line becomes

_DIRECTIVE = re.compile(r"(convention|input|let)\b\s*([A-Za-z_][A-Za-z0-9_]*\s*)?(:?)",
                        re.IGNORECASE)
# `input: (1, 1024) int64`: the dtype a shape's tensor holds, after the closing bracket
_INPUT_DTYPE = re.compile(r"(?<=[)\]])(\s+)((?:torch\.)?(?:u?int(?:8|16|32|64)?|long|"
                          r"float(?:16|32|64)?|bfloat16|half|double|bool))(?=\s*(?:#.*)?$)")
_LET = re.compile(r"let\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*", re.IGNORECASE)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_ORDINARY = re.compile(r"[^'\"#()\[\]{}]+")  # runs of characters that need no attention
_CLOSE = {v: k for k, v in _OPEN.items()}


def read_spec(source: str, path: str = "<spec>") -> S.Spec:
    """Read a whole spec. Raises SpecError (with path and source line) on the first error."""
    source = source.removeprefix("\ufeff")  # a byte-order mark some editors write
    try:
        return _read(source, path)
    except SpecError as error:
        raise error.located(path=path, source=source)


def _read(source: str, path: str) -> S.Spec:
    if len(source) > MAX_SOURCE_CHARS:
        raise SpecError(f"the spec is longer than {MAX_SOURCE_CHARS:,} characters", None)
    code = source_lines(source)
    directives: list = []
    shifts: dict[int, tuple[int, int]] = {}
    lets: set[int] = set()
    found = []
    for text, line, column in _logical_lines(source):
        span_lines = range(line - 1, line - 1 + text.count("\n") + 1)
        if _EXPECT_START.match(text):
            directives.append(_expect(text, line, column))
            found.append((None, None, span_lines))
            continue
        match = _DIRECTIVE.match(text)
        if match and (match.group(3) or match.group(1).lower() == "let"):
            directive = _directive(match, text, line, column)
            directives.append(directive)
            found.append((directive, match, span_lines))
    directive_lines = {i for _, _, lines in found for i in lines}
    dedent = _common_indent([t for i, t in enumerate(code) if i not in directive_lines])
    for directive, match, span_lines in found:
        line = span_lines[0] + 1
        physical = code[line - 1]
        column = len(physical) - len(physical.lstrip()) + 1
        indent = " " * max(column - 1, dedent)  # pasted code may be indented as a whole
        if directive is None or isinstance(directive, S.ConventionDecl):
            for i in span_lines:
                code[i] = ""
        elif isinstance(directive, S.Let):
            name = directive.name  # `let H = 224` -> `H     = 224`: columns after it hold
            code[line - 1] = indent + name + " " * 4 + physical[column - 1 + 4 + len(name):]
            lets.add(line)
        else:
            rest_at = match.end()
            target = f"{INPUT_TARGET}{directive.target or ''} = "
            code[line - 1] = indent + target + physical[column - 1 + rest_at:]
            shifts[line] = (len(indent) + len(target) + 1, column + rest_at)
            last = span_lines[-1]
            code[last] = _INPUT_DTYPE.sub(lambda m: " " * len(m.group(0)), code[last])
    if dedent:
        code = [line[dedent:] for line in code]
    tree = _parse("\n".join(code), "exec", 1, 1 + dedent)
    return S.Spec(path=path, source=source, statements=tuple(directives), module=tree,
                  shifts=tuple(shifts.items()), lets=frozenset(lets), dedent=dedent)


def _common_indent(lines: list[str]) -> int:
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    return min(indents) if indents else 0


def _logical_lines(source: str) -> Iterator[tuple[str, int, int]]:
    """Yield (text, line, column) for each statement; brackets continue a statement across
    lines, ``#`` starts a comment outside strings. Columns are 1-based."""
    lines = source_lines(source)
    buffer: list[str] = []
    start: tuple[int, int] | None = None
    stack: list[tuple[str, int, int]] = []
    quote: str | None = None
    for number, line in enumerate(lines, start=1):
        kept = []
        i = 0
        while i < len(line):
            if not quote:
                ordinary = _ORDINARY.match(line, i)
                if ordinary:
                    kept.append(ordinary.group())
                    i = ordinary.end()
                    continue
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
        continued = text.rstrip().endswith("\\")  # kept: Python reads it as a continuation
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


_EXPECT_START = re.compile(r"expect\b(?!\s*[=(.\[])")
_EXPECT = re.compile(r"expect\s+(?:layer\s+([A-Za-z0-9_./-]+)\s+)?([A-Za-z_]+)\s*:\s*")
EXPECT_KEYS = ("output", "params", "trainable_params", "non_trainable_params", "buffers",
               "param_bytes", "macs", "flops", "rf", "error")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")


def _expect(text: str, line: int, column: int) -> S.Expect:
    """`expect output: (None, 5)`, `expect params: 497,349`, `expect layer 3 output: (...)`,
    `expect layer 8 error: "larger than"`."""
    first_line = text.split("\n")[0]
    match = _EXPECT.match(text)
    if not match or match.group(2) not in EXPECT_KEYS:
        raise SpecError("expected `expect [layer N] KEY: VALUE` with KEY one of "
                        f"{', '.join(EXPECT_KEYS)}", Span.point(line, column, len(first_line)))
    ref = match.group(1)
    layer = int(ref) if ref and ref.isdigit() else ref
    rest = text[match.end():]
    value_text = rest.strip()
    if not value_text:
        raise SpecError(f"`expect {match.group(2)}:` needs a value", Span.point(line, column))
    start = column + match.end() + len(rest) - len(rest.lstrip())
    if _THOUSANDS.fullmatch(value_text):  # 497,349 as printed by Keras' summary
        value: object = S.Number(int(value_text.replace(",", "")),
                                 Span.point(line, start, len(value_text)))
    else:
        value = _parse_expression(rest, line, column + match.end(), text)
    end = Span(line, start, line + value_text.count("\n"),
               start + len(value_text) if "\n" not in value_text else
               len(value_text.rsplit("\n", 1)[-1]) + 1)
    return S.Expect(match.group(2), layer, value, value_text, value_span=end,
                    span=Span.point(line, column, len(first_line)))


def _directive(directive: re.Match, text: str, line: int, column: int) -> object:
    kind = directive.group(1).lower()
    name = (directive.group(2) or "").strip() or None
    span = Span(line, column, line, column + len(text.splitlines()[0]))
    if name is not None and kind != "input" and kind != "let":
        raise SpecError(f"`{kind}` takes no name: write `{kind}: ...`", span)
    if kind == "let":
        match = _LET.match(text)
        if not match:
            raise SpecError(
                "expected `let NAME = expression`, e.g. `let H = 224`",
                Span.point(line, column, len(text.splitlines()[0])),
            )
        value = _parse_expression(text[match.end() :], line, column + match.end(), text)
        return S.Let(name=match.group(1), value=value, span=span)
    rest_at = directive.end()
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
    dtype = _INPUT_DTYPE.search(rest)
    if dtype:
        rest = rest[:dtype.start()]
    value = _parse_expression(rest, line, column + rest_at, text)
    return S.InputDecl(value=value, target=name, span=span,
                       dtype=dtype and dtype_kind(dtype.group(2)))


def dtype_kind(name: str) -> str:
    """int for indices (int64, long, uint8), bool, else float."""
    name = name.removeprefix("torch.")
    return "bool" if name == "bool" else "int" if "int" in name or name == "long" else "float"


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
        offset = (error.offset or 1) + (column - 1 if mode == "exec" or
                                        (error.lineno or 1) == 1 else 0)
        message = (error.msg or "invalid syntax").replace("'(' was never closed", "unclosed '('")
        raise SpecError(f"syntax error: {message}", Span.point(err_line, offset)) from None
    except (RecursionError, MemoryError):  # Python's parser has a depth limit of its own
        if mode == "exec":
            line += _first_too_deep(text) - 1
        raise SpecError("nested too deeply for Python's parser (blocks, `elif`s, brackets "
                        "or operators in a chain)", Span.point(line, column)) from None
    except (ValueError, OverflowError) as error:
        raise SpecError(f"cannot parse this statement: {error}", Span.point(line, column)) from None


def _first_too_deep(text: str) -> int:
    """The first line at which ``text`` nests too deeply for Python's parser. The parser
    reads in order, so a part that is too deep stays too deep in every longer prefix: a
    bisection over the lines finds it (cut mid-block, a prefix is merely a syntax error)."""
    lines = text.split("\n")
    good, bad = 0, len(lines)  # the first `good` lines parse; the first `bad` do not
    while bad - good > 1:
        middle = (good + bad) // 2
        try:
            ast.parse("\n".join(lines[:middle]))
        except (RecursionError, MemoryError):
            bad = middle
            continue
        except (SyntaxError, ValueError, OverflowError):
            pass
        good = middle
    return bad


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
    _COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
                ast.GtE: ">="}

    def __init__(self, line: int, column: int, text: str) -> None:
        self.line = line
        self.column = column
        self.lines = text.splitlines() or [""]
        self.ascii = text.isascii()  # then ast's byte columns are character columns
        self.depth = 0

    def _position(self, lineno: int, col_offset: int) -> tuple[int, int]:
        if self.ascii:
            col = col_offset + 1
        else:
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
            # a flat chain `a + b + c + ...` nests to the left: walked as a loop, it is not
            # counted as nesting
            chain = []
            while isinstance(node, ast.BinOp) and type(node.op) in self._BINARY:
                chain.append(node)
                node = node.left
            value = self(node)
            for link in reversed(chain):
                value = S.BinaryOp(self._BINARY[type(link.op)], value, self(link.right),
                                   self.span(link))
            return value
        if isinstance(node, ast.UnaryOp) and type(node.op) in self._UNARY:
            return S.UnaryOp(self._UNARY[type(node.op)], self(node.operand), span)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return S.BoolOp("not", (self(node.operand),), span)
        if isinstance(node, ast.IfExp):
            return S.Choice(self(node.test), self(node.body), self(node.orelse), span)
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return S.BoolOp(op, tuple(self(v) for v in node.values), span)
        if isinstance(node, ast.Compare) and all(type(o) in self._COMPARE for o in node.ops):
            parts = [self(node.left), *(self(c) for c in node.comparators)]
            tests = tuple(S.Compare(self._COMPARE[type(o)], a, b, span)
                          for o, a, b in zip(node.ops, parts, parts[1:]))
            return tests[0] if len(tests) == 1 else S.BoolOp("and", tests, span)
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
            "tuples, + - * / // % **, comparisons, `a if test else b` and constructor calls",
            span,
        )
