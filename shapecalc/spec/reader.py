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

_DIRECTIVE = re.compile(r"(convention|input|let)\b\s*([A-Za-z_][A-Za-z0-9_]*\s*)?(:?)",
                        re.IGNORECASE)
_LET = re.compile(r"let\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*", re.IGNORECASE)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_ORDINARY = re.compile(r"[^'\"#()\[\]{}]+")  # runs of characters that need no attention
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


# -- statements ----------------------------------------------------------------------------


def _statements(source: str) -> list[object]:
    lines = list(_logical_lines(source))
    statements, _ = _block(lines, 0, None)
    return statements


_HEADER = re.compile(r"(def|for)\b")
_EXPECT_START = re.compile(r"expect\b(?!\s*[=(.\[])")
_EXPECT = re.compile(r"expect\s+(?:layer\s+([A-Za-z0-9_./-]+)\s+)?([A-Za-z_]+)\s*:\s*")
EXPECT_KEYS = ("output", "params", "trainable_params", "non_trainable_params", "buffers",
               "param_bytes", "macs", "flops", "rf", "error")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")
_RETURN = re.compile(r"return\b\s*")


def _block(lines: list, start: int, indent: int | None) -> tuple[list, int]:
    """Statements from lines[start:] whose column is deeper than ``indent`` (None: all)."""
    out: list = []
    i = start
    while i < len(lines):
        text, line, column = lines[i]
        if indent is not None and column <= indent:
            break
        i += 1
        header = _HEADER.match(text)
        if header and text.rstrip().endswith(":"):
            body, i = _block(lines, i, column)
            if not body:
                raise SpecError(f"`{header.group(1)}` needs an indented body on the lines "
                                "below it", Span.point(line, column, len(text.split("\n")[0])))
            out.append(_compound(text, line, column, tuple(body)))
            continue
        if _RETURN.match(text):
            out.extend(_return(text, line, column))
            continue
        if _EXPECT_START.match(text):
            out.append(_expect(text, line, column))
            continue
        directive = _DIRECTIVE.match(text)
        if directive and (directive.group(3) or directive.group(1).lower() == "let"):
            out.append(_directive(directive, text, line, column))
            continue
        out.extend(_python_statement(text, line, column))
    return out, i


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


def _compound(text: str, line: int, column: int, body: tuple) -> object:
    """A `def name(params):` or `for var in range(n):` header, parsed as Python with a
    placeholder body."""
    tree = _parse(text.rstrip() + "\n    pass", "exec", line, column)
    node = tree.body[0]
    convert = _Converter(line, column, text)
    span = convert.span(node)
    if isinstance(node, ast.FunctionDef):
        args = node.args
        if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs or \
                node.decorator_list:
            raise SpecError("a block takes plain parameters: `def name(x, a, b=1):`", span)
        defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
        params = tuple(S.Param(a.arg, convert(d) if d is not None else None, convert.span(a))
                       for a, d in zip(args.args, defaults))
        return S.BlockDef(node.name, params, body, span)
    if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and not node.orelse:
        it = node.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and \
                it.func.id == "range" and len(it.args) == 1 and not it.keywords:
            return S.Loop(node.target.id, convert(it.args[0]), body, span)
    raise SpecError("expected `def name(params):` or `for i in range(count):`", span)


def _return(text: str, line: int, column: int) -> list[object]:
    """`return x`, or `return x + y` / `return nn.ReLU()(x)`: computed, then returned."""
    match = _RETURN.match(text)
    rest = text[match.end():]
    if not rest.strip():
        raise SpecError("a block returns a tensor: `return x`", Span.point(line, column, 6))
    offset = column + match.end()
    value = _parse_expression(rest, line, offset, text)
    if isinstance(value, S.Name) and len(value.parts) == 1:
        return [S.Return(value.parts[0], value.span)]
    computed = list(_python_statement(f"_returned = {rest.strip()}", line,
                                      offset - len("_returned = ")))
    return [*computed, S.Return("_returned", value.span)]


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
    value = _parse_expression(rest, line, column + rest_at, text)
    return S.InputDecl(value=value, target=name, span=span)


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


_OPERATORS = {"+": "add", "-": "sub", "*": "mul"}
# torch functional ops that join or reshape tensors, and the layer each one is
_TORCH_FUNCTIONS = {"add": "add", "sub": "sub", "subtract": "sub", "mul": "mul",
                    "multiply": "mul", "cat": "cat", "concat": "cat", "concatenate": "cat",
                    "flatten": "flatten"}
_KERAS_FUNCTIONS = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply",
                    "average": "Average", "maximum": "Maximum", "minimum": "Minimum",
                    "concatenate": "Concatenate"}
_KERAS_PREFIXES = {("layers",), ("keras", "layers"), ("tf", "keras", "layers"),
                   ("tensorflow", "keras", "layers")}


def _interpret(value: object, target: str | None, convert: _Converter) -> Iterator[object]:
    """Turn one Python expression into spec statements."""
    source = convert.source(value)
    if isinstance(value, S.BinaryOp) and value.op in _OPERATORS:  # x + y: a merge
        inputs = _tensor_names(S.Sequence((value.left, value.right), "tuple", value.span))
        call = S.Call(S.Name((_OPERATORS[value.op],), value.span), (), (), value.span)
        yield S.LayerLine(call=call, source=source, target=target, inputs=inputs,
                          operator=value.op, span=value.span)
        return
    if not isinstance(value, S.Call):
        raise SpecError(
            "expected a layer constructor such as `nn.Conv2d(3, 64, 3)` or "
            "`layers.Dense(10)`",
            value.span,
        )
    func = value.func
    if isinstance(func, S.Name):
        prefix, last = func.parts[:-1], func.parts[-1]
        if last in _SEQUENTIAL:
            yield from _sequential(value, convert)
            return
        if prefix == ("torch",) and last in _TORCH_FUNCTIONS:
            yield _torch_function(value, _TORCH_FUNCTIONS[last], target, source)
            return
        if prefix in _KERAS_PREFIXES and last in _KERAS_FUNCTIONS:
            yield _keras_function(value, _KERAS_FUNCTIONS[last], target, source)
            return
        if last == "add" and prefix and len(value.args) == 1:  # model.add(...)
            yield from _interpret(value.args[0], target, convert)
            return
        if last in _INPUT_CALLS or (last in _TENSOR_FACTORIES and prefix[:1] in (("torch",),
                                                                                   ("tf",))):
            yield S.InputDecl(value=value, target=target, span=value.span)
            return
        yield S.LayerLine(call=value, source=source, target=target, span=value.span)
        return
    if isinstance(func, S.Call):  # functional style: layers.Dense(10)(x), Add()([a, b])
        if value.keywords:
            raise SpecError("keyword arguments of a layer call are not supported",
                            value.keywords[0].span)
        inputs = _tensor_names(S.Sequence(value.args, "tuple", value.span))
        yield S.LayerLine(call=func, source=convert.source(func), target=target,
                          inputs=inputs, span=func.span)
        return
    raise SpecError("expected a layer constructor", value.span)


def _tensor_names(node: S.Sequence) -> tuple[str, ...]:
    """Tensor names a layer is applied to: `(x)`, `(x, y)`, `([a, b, c])`."""
    names = []
    for item in node.items:
        if isinstance(item, S.Sequence):
            names.extend(_tensor_names(item))
        elif isinstance(item, S.Name) and len(item.parts) == 1:
            names.append(item.parts[0])
        else:
            raise SpecError("a layer is applied to tensor names, e.g. `(x)` or `([a, b])`; "
                            "give intermediate results a name on a line of their own",
                            item.span)
    return tuple(names)


def _torch_function(call: S.Call, layer: str, target: str | None, source: str) -> S.LayerLine:
    """torch.cat([a, b], dim=1), torch.add(a, b), torch.flatten(x, 1) as layers."""
    if layer == "cat":
        tensors, options = call.args[:1], call.args[1:]
        keywords = [kw for kw in call.keywords if kw.name != "tensors"]
        tensors = tensors or tuple(kw.value for kw in call.keywords if kw.name == "tensors")
        if not tensors or not isinstance(tensors[0], S.Sequence):
            raise SpecError("torch.cat takes a list of tensors: `torch.cat([a, b], dim=1)`",
                            call.span)
        inputs = _tensor_names(tensors[0])
        rest = tuple(options)
    elif layer == "flatten":
        if not call.args:
            raise SpecError("torch.flatten takes the tensor first: `torch.flatten(x, 1)`",
                            call.span)
        inputs = _tensor_names(S.Sequence(call.args[:1], "tuple", call.span))
        # torch.flatten flattens from dim 0 by default, nn.Flatten from dim 1
        rest = call.args[1:] or (S.Number(0, call.span),)
        keywords = list(call.keywords)
        layer = "Flatten"
    else:
        inputs = _tensor_names(S.Sequence(call.args, "tuple", call.span))
        rest, keywords = (), [kw for kw in call.keywords]
        if keywords:
            raise SpecError(f"torch.{call.func.parts[-1]} is read as a merge of two tensors; "
                            "keyword arguments are not supported", keywords[0].span)
    func = S.Name((layer,), call.func.span)
    return S.LayerLine(call=S.Call(func, rest, tuple(keywords), call.span), source=source,
                       target=target, inputs=inputs, span=call.span)


def _keras_function(call: S.Call, layer: str, target: str | None, source: str) -> S.LayerLine:
    """layers.add([a, b]), layers.concatenate([a, b], axis=1) as layers."""
    if not call.args or not isinstance(call.args[0], S.Sequence):
        raise SpecError(f"`{call.func.dotted}` takes a list of tensors first, e.g. "
                        f"`{call.func.dotted}([a, b])`", call.span)
    inputs = _tensor_names(call.args[0])
    func = S.Name((*call.func.parts[:-1], layer), call.func.span)
    return S.LayerLine(call=S.Call(func, call.args[1:], call.keywords, call.span),
                       source=source, target=target, inputs=inputs, span=call.span)


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
