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
    called = _called_names(statements)
    statements = _settle_sequentials(statements, called)
    for stmt in list(statements):
        if isinstance(stmt, S.BlockDef) and stmt.model and stmt.name not in called:
            call = S.Call(S.Name((stmt.name,), stmt.span), (), (), stmt.span)
            statements.append(S.LayerLine(call=call, source=f"{stmt.name}()",
                                          span=stmt.span))
    return statements


def _called_names(statements) -> set[str]:
    """Names applied like layers somewhere in the spec: `ds(x)`, `self.ds(x)`."""
    names: set[str] = set()
    for stmt in statements:
        if isinstance(stmt, S.LayerLine) and isinstance(stmt.call.func, S.Name):
            parts = stmt.call.func.parts
            if len(parts) == 1 or (len(parts) == 2 and parts[0] == "self"):
                names.add(parts[-1])
        for body in (getattr(stmt, "body", ()), getattr(stmt, "orelse", ())):
            names |= _called_names(body)
    return names


def _settle_sequentials(statements, called: set[str]) -> list[object]:
    """`name = nn.Sequential(...)` is a definition when the spec calls `name(...)`, and
    otherwise the layers it lists, applied where it stands (a pasted model)."""
    out: list[object] = []
    for stmt in statements:
        if isinstance(stmt, S.BlockDef) and stmt.inline and stmt.name not in called:
            out.extend(_settle_sequentials(stmt.body, called))
            continue
        if isinstance(stmt, (S.BlockDef, S.Loop)):
            stmt = stmt.replace(body=tuple(_settle_sequentials(stmt.body, called)))
        elif isinstance(stmt, S.If):
            stmt = stmt.replace(body=tuple(_settle_sequentials(stmt.body, called)),
                                orelse=tuple(_settle_sequentials(stmt.orelse, called)))
        out.append(stmt)
    return out


_HEADER = re.compile(r"(def|for|if|elif|else|class)\b")
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
            keyword = header.group(1)
            body, i = _block(lines, i, column)
            if not body:
                raise SpecError(f"`{keyword}` needs an indented body on the lines "
                                "below it", Span.point(line, column, len(text.split("\n")[0])))
            if keyword in ("elif", "else"):
                raise SpecError(f"`{keyword}` without an `if` before it",
                                Span.point(line, column, len(keyword)))
            if keyword == "if":
                stmt, i = _if(text, line, column, tuple(body), lines, i)
                out.append(stmt)
                continue
            if keyword == "class":
                out.extend(_module_class(text, line, column, tuple(body)))
                continue
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
    if isinstance(node, ast.For) and not node.orelse:
        target = node.target
        if isinstance(target, ast.Name):
            var: str | tuple = target.id
        elif isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name)
                                                  for e in target.elts):
            var = tuple(e.id for e in target.elts)
        else:
            raise SpecError("loop over plain names: `for i in ...` or `for a, b in ...`",
                            convert.span(target))
        it = node.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and \
                it.func.id == "range" and len(it.args) == 1 and not it.keywords:
            return S.Loop(var, convert(it.args[0]), body, span)
        if isinstance(it, (ast.List, ast.Tuple)):
            return S.Loop(var, convert(it), body, span)
    raise SpecError("expected `def name(params):`, `for i in range(count):` or "
                    "`for a, b in [[1, 2], [3, 4]]:`", span)


def _if(text: str, line: int, column: int, body: tuple, lines: list, i: int):
    """`if test:` and the `elif`/`else` branches that follow at the same indentation."""
    keyword = "if" if text.startswith("if") else "elif"
    test_text = text.rstrip()[len(keyword):-1]
    test = _parse_expression(test_text, line, column + len(keyword), text)
    orelse: tuple = ()
    if i < len(lines):
        next_text, next_line, next_column = lines[i]
        if next_column == column and next_text.rstrip().endswith(":") and \
                re.match(r"(elif|else)\b", next_text):
            branch, j = _block(lines, i + 1, next_column)
            if not branch:
                raise SpecError("this branch needs an indented body",
                                Span.point(next_line, next_column, 4))
            if next_text.startswith("elif"):
                nested, j = _if(next_text, next_line, next_column, tuple(branch), lines, j)
                orelse = (nested,)
            elif next_text.rstrip() != "else:":
                raise SpecError("expected `else:`", Span.point(next_line, next_column, 4))
            else:
                orelse = tuple(branch)
            i = j
    return S.If(test, body, orelse, Span.point(line, column, len(keyword))), i


def _module_class(text: str, line: int, column: int, body: tuple) -> list[object]:
    """A pasted `class Net(nn.Module):`. Its `__init__` defines modules (each `self.x =
    nn.Layer(...)` a one-layer module, an `nn.Sequential` a block); its `forward` is the
    network, a block named after the class: `net = Net()` runs it, and a class the spec
    never instantiates runs at the end."""
    match = re.match(r"class\s+([A-Za-z_][A-Za-z0-9_]*)", text)
    span = Span.point(line, column, len(text.split("\n")[0]))
    if not match:
        raise SpecError("expected `class Name(nn.Module):`", span)
    name = match.group(1)
    methods = {stmt.name: stmt for stmt in body if isinstance(stmt, S.BlockDef)}
    if "forward" not in methods:
        raise SpecError(f"class {name} has no `forward`: shapecalc reads a module from its "
                        "`__init__` layers and its `forward`", span)
    out: list[object] = []
    init = methods.get("__init__")
    if init is not None:
        for param in init.params[1:]:  # self, then the constructor's own arguments
            if param.default is not None:
                out.append(S.Let(param.name, param.default, param.span))
        for stmt in init.body:
            if isinstance(stmt, S.LayerLine) and stmt.target and not stmt.inputs:
                layer = stmt.replace(target=None, inputs=("x",), label=stmt.target)
                out.append(S.BlockDef(stmt.target, (S.Param("x", None, stmt.span),),
                                      (layer,), stmt.span, flat=True))
            elif isinstance(stmt, S.BlockDef):
                out.append(stmt.replace(inline=False))
            elif isinstance(stmt, S.Let):
                out.append(stmt)
    forward = methods["forward"]
    out.append(S.BlockDef(name, forward.params[1:], forward.body, forward.span, model=True))
    return out


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
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        target = stmt.target.id  # x += y is x = x + y
        left = ast.copy_location(ast.Name(target, ast.Load()), stmt.target)
        left.end_lineno, left.end_col_offset = stmt.target.end_lineno, stmt.target.end_col_offset
        value_node = ast.BinOp(left, stmt.op, stmt.value)
        ast.copy_location(value_node, stmt)
        value_node.end_lineno, value_node.end_col_offset = stmt.end_lineno, stmt.end_col_offset
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
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
    # Net().to(device) and the like: the instantiation is what counts
    while isinstance(value_node, ast.Call) and isinstance(value_node.func, ast.Attribute) and \
            value_node.func.attr in ("to", "cuda", "cpu", "eval", "train", "float", "double") \
            and isinstance(value_node.func.value, ast.Call):
        value_node = value_node.func.value
    if _is_bystander(value_node):
        return  # print(...), model.fit(...), np.random.rand(...): pasted, builds no layer
    # `mha(q, k, v)[0]`: a layer's first output is the one shapecalc follows
    if isinstance(value_node, ast.Subscript) and isinstance(value_node.slice, ast.Constant) \
            and value_node.slice.value == 0 and isinstance(value_node.value, ast.Call):
        value_node = value_node.value
    value = convert(value_node)
    yield from _interpret(value, target, convert)


_BYSTANDER_MODULES = {"np", "numpy", "plt", "os", "math", "random", "time", "sys"}


def _is_bystander(node: ast.AST) -> bool:
    """A call in pasted code that is not about the network: printing, plotting, data."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) and \
            isinstance(func.value.func, ast.Name) and func.value.func.id == "super":
        return True  # super().__init__()
    root = func
    while isinstance(root, ast.Attribute):
        root = root.value
    if isinstance(root, ast.Name) and root.id in _BYSTANDER_MODULES:
        return True
    return (isinstance(func, ast.Attribute) and func.attr in _MODEL_METHODS and
            isinstance(func.value, ast.Name) and func.value.id not in _MODULE_NAMES - {"model"})


def _target_name(node: ast.AST, convert: _Converter) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # self.conv1 = nn.Conv2d(...)
        return node.attr
    if isinstance(node, ast.Tuple) and node.elts and isinstance(node.elts[0], ast.Name):
        return node.elts[0].id  # out, weights = mha(x, x, x): the first output
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


# torch.nn.functional calls and the module each one is (input first, then the module's
# own arguments in the same order); keywords the module does not take are dropped
_FUNCTIONAL = {
    "relu": "ReLU", "relu6": "ReLU6", "leaky_relu": "LeakyReLU", "elu": "ELU", "selu": "SELU",
    "gelu": "GELU", "silu": "SiLU", "mish": "Mish", "sigmoid": "Sigmoid", "tanh": "Tanh",
    "hardswish": "Hardswish", "hardsigmoid": "Hardsigmoid", "softplus": "Softplus",
    "softmax": "Softmax", "log_softmax": "LogSoftmax", "dropout": "Dropout",
    "dropout2d": "Dropout2d", "max_pool1d": "MaxPool1d", "max_pool2d": "MaxPool2d",
    "max_pool3d": "MaxPool3d", "avg_pool1d": "AvgPool1d", "avg_pool2d": "AvgPool2d",
    "avg_pool3d": "AvgPool3d", "adaptive_avg_pool1d": "AdaptiveAvgPool1d",
    "adaptive_avg_pool2d": "AdaptiveAvgPool2d", "adaptive_avg_pool3d": "AdaptiveAvgPool3d",
    "adaptive_max_pool1d": "AdaptiveMaxPool1d", "adaptive_max_pool2d": "AdaptiveMaxPool2d",
    "adaptive_max_pool3d": "AdaptiveMaxPool3d", "interpolate": "Upsample",
    "layer_norm": None, "linear": None, "conv2d": None,  # need weights: not a layer call
}
_FUNCTIONAL_DROPPED = {"training", "inplace", "_stacklevel", "dtype", "return_indices",
                       "antialias", "recompute_scale_factor"}
_FUNCTIONAL_PREFIXES = {("F",), ("nn", "functional"), ("torch", "nn", "functional")}
_TORCH_ELEMENTWISE = {"relu", "sigmoid", "tanh", "softmax", "log_softmax"}
# keywords of a layer's call (not its constructor) that change no shape
_CALL_KEYWORDS = {"need_weights", "attn_mask", "key_padding_mask", "average_attn_weights",
                  "is_causal", "training", "mask", "attention_mask", "query_mask",
                  "value_mask", "key_mask", "use_causal_mask", "return_attention_scores",
                  "initial_state"}


def _interpret(value: object, target: str | None, convert: _Converter) -> Iterator[object]:
    """Turn one Python expression into spec statements."""
    source = convert.source(value)
    if isinstance(value, S.BinaryOp) and value.op in _OPERATORS:  # x + y: a merge
        pending: list = []
        inputs = _tensor_inputs((value.left, value.right), convert, pending)
        yield from pending
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
            yield from _sequential(value, target, convert)
            return
        if prefix == ("torch",) and last in _TORCH_FUNCTIONS:
            yield from _torch_function(value, _TORCH_FUNCTIONS[last], target, source, convert)
            return
        if prefix in _FUNCTIONAL_PREFIXES or (prefix == ("torch",) and
                                              last in _TORCH_ELEMENTWISE):
            yield from _functional(value, target, source, convert)
            return
        if prefix in _KERAS_PREFIXES and last in _KERAS_FUNCTIONS:
            yield from _keras_function(value, _KERAS_FUNCTIONS[last], target, source, convert)
            return
        if len(prefix) == 1 and last in ("flatten", "view", "reshape") and \
                prefix[0] not in _MODULE_NAMES:
            yield _tensor_method(value, target, source)
            return
        if prefix == ("self",):  # self.conv1(x) in a forward(): a module applied to tensors
            pending: list = []
            inputs = _tensor_inputs(value.args, convert, pending)
            yield from pending
            yield S.LayerLine(call=S.Call(func, (), value.keywords, value.span), source=source,
                              target=target, inputs=inputs, span=value.span)
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
        for keyword in value.keywords:
            if keyword.name not in _CALL_KEYWORDS:
                raise SpecError(f"`{keyword.name}=` in a layer's call is not read (accepted "
                                f"and ignored: {', '.join(sorted(_CALL_KEYWORDS))})",
                                keyword.span)
        pending = []
        inputs = _tensor_inputs(value.args, convert, pending)
        yield from pending
        yield S.LayerLine(call=func, source=convert.source(func), target=target,
                          inputs=inputs, span=func.span)
        return
    raise SpecError("expected a layer constructor", value.span)


_MODULE_NAMES = {"nn", "torch", "F", "layers", "keras", "tf", "tensorflow", "model", "self"}
# methods of a model in pasted code that build no layer: training, saving, moving
_MODEL_METHODS = {"compile", "fit", "summary", "evaluate", "predict", "save", "save_weights",
                  "load_weights", "load_state_dict", "to", "cuda", "cpu", "eval", "train",
                  "zero_grad", "parameters", "named_parameters", "state_dict"}


def _tensor_inputs(items, convert: _Converter, pending: list) -> tuple[str, ...]:
    """Tensor names a layer is applied to: `(x)`, `(x, y)`, `([a, b, c])`; a composed call
    such as `nn.ReLU()(conv(x))` first computes its inner call under a name of its own."""
    names: list[str] = []
    for item in items:
        if isinstance(item, S.Sequence):
            names.extend(_tensor_inputs(item.items, convert, pending))
        elif isinstance(item, S.Name) and len(item.parts) == 1:
            names.append(item.parts[0])
        elif isinstance(item, (S.Call, S.BinaryOp)):
            name = f"_{item.span.line}_{item.span.column}"
            pending.extend(_interpret(item, name, convert))
            names.append(name)
        else:
            raise SpecError("a layer is applied to tensor names, e.g. `(x)` or `([a, b])`",
                            item.span)
    return tuple(names)


def _functional(call: S.Call, target: str | None, source: str,
                convert: _Converter) -> Iterator[object]:
    """F.relu(x), F.max_pool2d(x, 2), F.adaptive_avg_pool2d(x, 1): the module it is."""
    name = call.func.parts[-1]
    module = _FUNCTIONAL.get(name)
    if module is None:
        raise SpecError(f"`{call.func.dotted}` is not read as a layer (supported: "
                        f"{', '.join(sorted(k for k, v in _FUNCTIONAL.items() if v))}); "
                        "write the nn module instead", call.func.span)
    if not call.args:
        raise SpecError(f"`{call.func.dotted}` takes the tensor first", call.span)
    pending: list = []
    inputs = _tensor_inputs(call.args[:1], convert, pending)
    yield from pending
    keywords = tuple(kw for kw in call.keywords if kw.name not in _FUNCTIONAL_DROPPED
                     and kw.name != "input")
    if name == "dropout" and len(call.args) > 2:  # F.dropout(x, p, training): training dropped
        call = S.Call(call.func, call.args[:2], call.keywords, call.span)
    layer = S.Call(S.Name(("nn", module), call.func.span), call.args[1:], keywords, call.span)
    yield S.LayerLine(call=layer, source=source, target=target, inputs=inputs, span=call.span)


def _tensor_method(call: S.Call, target: str | None, source: str) -> S.LayerLine:
    """x.flatten(1), x.view(x.size(0), -1), x.reshape(x.size(0), -1): a Flatten."""
    tensor, method = call.func.parts
    args = call.args
    if method == "flatten":
        start = args[:1] or (S.Number(0, call.span),)
    else:
        sizes = args[0].items if len(args) == 1 and isinstance(args[0], S.Sequence) else args
        batch = sizes[0] if len(sizes) == 2 else None
        is_size0 = (isinstance(batch, S.Call) and isinstance(batch.func, S.Name) and
                    batch.func.parts == (tensor, "size") and len(batch.args) == 1 and
                    isinstance(batch.args[0], S.Number) and batch.args[0].value == 0)
        is_minus1 = len(sizes) == 2 and isinstance(sizes[1], S.UnaryOp) and \
            isinstance(sizes[1].operand, S.Number) and sizes[1].operand.value == 1
        if not (is_size0 and is_minus1):
            raise SpecError(f"`{tensor}.{method}(...)` is read only as `{tensor}.{method}("
                            f"{tensor}.size(0), -1)`; for other shapes use nn.Unflatten or "
                            "layers.Reshape", call.span)
        start = (S.Number(1, call.span),)
    layer = S.Call(S.Name(("Flatten",), call.func.span), start, (), call.span)
    return S.LayerLine(call=layer, source=source, target=target, inputs=(tensor,),
                       span=call.span)


def _torch_function(call: S.Call, layer: str, target: str | None, source: str,
                    convert: _Converter) -> Iterator[object]:
    """torch.cat([a, b], dim=1), torch.add(a, b), torch.flatten(x, 1) as layers."""
    pending: list = []
    if layer == "cat":
        tensors, options = call.args[:1], call.args[1:]
        keywords = [kw for kw in call.keywords if kw.name != "tensors"]
        tensors = tensors or tuple(kw.value for kw in call.keywords if kw.name == "tensors")
        if not tensors or not isinstance(tensors[0], S.Sequence):
            raise SpecError("torch.cat takes a list of tensors: `torch.cat([a, b], dim=1)`",
                            call.span)
        inputs = _tensor_inputs(tensors[0].items, convert, pending)
        rest = tuple(options)
    elif layer == "flatten":
        if not call.args:
            raise SpecError("torch.flatten takes the tensor first: `torch.flatten(x, 1)`",
                            call.span)
        inputs = _tensor_inputs(call.args[:1], convert, pending)
        # torch.flatten flattens from dim 0 by default, nn.Flatten from dim 1
        rest = call.args[1:] or (S.Number(0, call.span),)
        keywords = list(call.keywords)
        layer = "Flatten"
    else:
        inputs = _tensor_inputs(call.args, convert, pending)
        rest, keywords = (), [kw for kw in call.keywords]
        if keywords:
            raise SpecError(f"torch.{call.func.parts[-1]} is read as a merge of two tensors; "
                            "keyword arguments are not supported", keywords[0].span)
    yield from pending
    func = S.Name((layer,), call.func.span)
    yield S.LayerLine(call=S.Call(func, rest, tuple(keywords), call.span), source=source,
                      target=target, inputs=inputs, span=call.span)


def _keras_function(call: S.Call, layer: str, target: str | None, source: str,
                    convert: _Converter) -> Iterator[object]:
    """layers.add([a, b]), layers.concatenate([a, b], axis=1) as layers."""
    if not call.args or not isinstance(call.args[0], S.Sequence):
        raise SpecError(f"`{call.func.dotted}` takes a list of tensors first, e.g. "
                        f"`{call.func.dotted}([a, b])`", call.span)
    pending: list = []
    inputs = _tensor_inputs(call.args[0].items, convert, pending)
    yield from pending
    func = S.Name((*call.func.parts[:-1], layer), call.func.span)
    yield S.LayerLine(call=S.Call(func, call.args[1:], call.keywords, call.span),
                      source=source, target=target, inputs=inputs, span=call.span)


def _sequential(call: S.Call, target: str | None, convert: _Converter) -> Iterator[object]:
    """The layers of nn.Sequential(...) / keras.Sequential([...]); with a name, a block
    that is a definition if the spec applies it later (see _settle_sequentials)."""
    items: list = list(call.args)
    if len(items) == 1 and isinstance(items[0], S.Sequence):  # keras.Sequential([...])
        items = list(items[0].items)
    for keyword in call.keywords:
        if keyword.name == "layers" and isinstance(keyword.value, S.Sequence):
            items.extend(keyword.value.items)
    body = [stmt for item in items for stmt in _interpret(item, None, convert)]
    if target is None:
        yield from body
        return
    yield S.BlockDef(target, (S.Param("x", None, call.span),), tuple(body), call.span,
                     inline=True)


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
            return S.BinaryOp(self._BINARY[type(node.op)], self(node.left), self(node.right),
                              span)
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
