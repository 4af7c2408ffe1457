"""The abstract interpreter: runs a spec's Python over its syntax tree, nothing executed.

Each kind of syntax node has one handler (``_exec_<Node>`` for statements, ``_eval_<Node>``
for expressions), found in a table built once from the methods' names; a node without a
handler is refused with its name and position. Values are plain data or the
interpreter's own (``values``, ``modules``); tensors are shapes, and applying a module to
them records a row in the network (``shapecalc.network``). Steps, loop iterations, call
depth and sizes are bounded, so that no spec can make it run for ever.

What spec files add to Python: a layer constructed and not used (a bare
``nn.Conv2d(3, 8, 3)`` line, or ``y = nn.BatchNorm2d(8)`` when ``y`` is never called) is
applied to the current tensor: the last tensor computed in that function (at first, the
input or the function's first tensor argument). A function called with one argument too
few, where the current tensor is not passed, gets it first; without a ``return`` it
returns its current tensor.
"""

from __future__ import annotations

import ast
import functools
import sys
import time

from shapecalc import algebra
from shapecalc.errors import LayerError, Span, SpecError, source_lines
from shapecalc.interpret import arithmetic, frameworks, modules, objects, tensors
from shapecalc.interpret.modules import Container, FunctionalModel, Instance, LayerModule, Module
from shapecalc.interpret.values import (BoundMethod, Builtin, FrameworkBase, Function, Namespace,
                                        Opaque, Parameter, SymbolicRange, Tensor, Unbound,
                                        UserClass, concrete)
from shapecalc.layers.base import KERAS, PYTORCH
from shapecalc.spec import syntax as S
from shapecalc.spec.reader import INPUT_TARGET

MAX_STEPS = 300_000  # the heaviest corpus file takes 88,000, EfficientNet-B7 30,000
MAX_SECONDS = 10.0
MAX_CALL_DEPTH = 60
MAX_ITEMS = 1_000_000  # elements of a list, tuple, string or range the code makes
MAX_BITS = 4096
MAX_EXPONENT = 1024
CHAIN_NAME = "x"  # at the top level, the tensor a chain of bare lines has reached


class _Return(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Frame:
    """The names of one running function (or the module, or a class body), the function
    that encloses it, and its current tensor."""

    __slots__ = ("locals", "enclosing", "name", "cursor", "is_class")

    def __init__(self, locals_: dict, enclosing: Frame | None, name: str,
                 cursor: Tensor | None = None, is_class: bool = False) -> None:
        self.locals = locals_
        self.enclosing = enclosing
        self.name = name
        self.cursor = cursor
        self.is_class = is_class


_UNSET = object()


class Interpreter:
    def __init__(self, spec: S.Spec, network, overrides: dict,
                 input_shape: tuple | None = None) -> None:
        self.spec = spec
        self.input_override = input_shape
        self.network = network
        self.overrides = overrides
        self.lines = source_lines(spec.source)
        self.shifts = dict(spec.shifts)
        self.plain = spec.source.isascii()
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS
        self.call_stack: list[tuple[str, int]] = []
        self.running: list[tuple[Function, dict]] = []  # the functions running, innermost last
        self.blocks: list[str] = []
        self.bindings: dict[str, object] = {}
        self.globals: dict[str, object] = {"__name__": "__main__"}  # a script run whole
        self.top = Frame(self.globals, None, "<module>")
        self.header_inputs: list[tuple[str, Tensor]] = []  # declared by `input:` lines
        self.claimed_inputs: set[str] = set()  # those the code's keras.Input/randn made too
        self.code_inputs: list[Tensor] = []  # made by keras.Input / torch.randn at top level
        self.top_modules: list[object] = []  # modules assigned at top level, in order
        self.classes: list[UserClass] = []
        self.instances: list[Instance] = []  # every instance of the spec's classes
        self.functional: FunctionalModel | None = None
        self.constructed: list[LayerModule] = []
        self.built_counts: dict[str, tuple] = {}  # Keras rows' counts before `trainable` changed
        self.model = None
        self.unregistered = 0  # >0 while applying a module the PyTorch model does not hold
        self.held: set[int] = set()  # modules of another model the model holds in a container
        self.aliases: dict[str, set[str]] = {}
        self.preludes: dict[str, Namespace] = {}  # library code, by file, once loaded
        self.library_calls: list[Span | None] = []  # the user's calls into library code
        self._called_names: set[str] | None = None
        self.convention = network.convention
        self.mark = 0  # the module serial before the running assignment's value
        self.loop_range = None  # the iterable of the `for` being entered
        self.library = frameworks.Library(self)
        self._statements = {kind: getattr(self, name) for kind, name in _STATEMENTS.items()}
        self._expressions = {kind: getattr(self, name) for kind, name in _EXPRESSIONS.items()}

    # -- positions and errors ------------------------------------------------------------

    def span(self, node) -> Span | None:
        try:
            line, end_line = node.lineno, node.end_lineno or node.lineno
        except AttributeError:
            return None
        if hasattr(node, "prelude_span"):  # library code: errors point at the user's call
            return self.library_calls[-1] if self.library_calls else node.prelude_span
        start, end = node.col_offset, node.end_col_offset or node.col_offset + 1
        if self.plain and line not in self.shifts and end_line not in self.shifts:
            dedent = self.spec.dedent + 1  # ASCII text: byte offsets are columns
            return Span(line, start + dedent, end_line, end + dedent)
        return Span(line, self._column(line, start), end_line, self._column(end_line, end))

    def _column(self, line: int, byte_offset: int) -> int:
        byte_offset += self.spec.dedent
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if line in self.shifts:
            code_start, file_start = self.shifts[line]
            if byte_offset + 1 >= code_start:
                return byte_offset + 1 - code_start + file_start
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1

    def text(self, node) -> str:
        """The source of a node as written, on one line."""
        if hasattr(node, "prelude_source"):
            return _library_text(node.prelude_source, node)
        span = self.span(node)
        if span is None:
            return "?"
        lines = self.lines[span.line - 1: span.end_line]
        if not lines:
            return "?"
        if len(lines) == 1:
            return lines[0][span.column - 1: span.end_column - 1]
        chunk = [lines[0][span.column - 1:], *lines[1:-1], lines[-1][:span.end_column - 1]]
        return " ".join(part.strip() for part in chunk).replace("( ", "(").replace(" )", ")")

    def error(self, message: str, node=None) -> SpecError:
        return SpecError(message, self.span(node))

    def step(self, node) -> None:
        """Count a step (eval counts its own and calls this only to check the bounds)."""
        if node is not None and not isinstance(node, ast.expr):
            self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.error(f"the code runs more than {MAX_STEPS:,} steps; shapecalc stops "
                             "here (is a loop or a recursion unbounded?)", node)
        if not self.steps & 0x3FF and time.monotonic() > self.deadline:
            raise self.error(f"the analysis takes more than {MAX_SECONDS:g} s; shapecalc "
                             "stops here (is a loop or a recursion unbounded?)", node)

    # -- running -------------------------------------------------------------------------

    def run(self) -> None:
        self._settle_convention()
        for name, value in self.overrides.items():
            self.globals[name] = value
            self.bindings[name] = value
        if self.input_override is not None:
            self._declare_input("input", tuple(self.input_override), None)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 12_000))
        body = self.spec.module.body
        try:
            for position, stmt in enumerate(body):
                self.position = position
                self.exec_body([stmt], self.top)
            self.position = len(body)
            self._finish()
        finally:
            sys.setrecursionlimit(limit)

    def _settle_convention(self) -> None:
        declared = [s for s in self.spec.statements if isinstance(s, S.ConventionDecl)]
        for decl in declared[1:]:
            if decl.name != declared[0].name:
                raise SpecError(f"convention declared twice: {declared[0].name} and "
                                f"{decl.name}", decl.span)
        if self.convention is None and declared:
            self.convention = declared[0].name
        if self.convention is None:
            self.convention = frameworks.detect_convention(self.spec.module)
        if self.convention is None:
            raise SpecError("declare the convention: add a line `convention: pytorch` or "
                            "`convention: keras` (or pass --convention)", None)
        self.network.convention = self.convention

    def _finish(self) -> None:
        self._decide_network()
        used = {name for row in self.network.layers for name in row.inputs}
        used |= {name for name, _ in self.header_inputs}  # declared, used or not
        inputs = [(n, shape) for n, shape in self.network.inputs if n in used]
        if inputs or not self.network.layers:  # tensors the notebook made but never used
            self.network.inputs[:] = inputs or self.network.inputs[:1]
            self.network.input_shape = self.network.inputs[0][1] if self.network.inputs \
                else ()

    def _decide_network(self) -> None:
        """Decide what the network is. A model object the code defines (an instance of
        its class, a Sequential not yet applied) is run once on the declared input, and
        the rows that the code's own calls made are set aside: a dummy forward, a summary
        loop or a buffer built in __init__ is not the model. Otherwise the rows recorded
        as the code ran are the network (a chain of layers, a Keras functional graph)."""
        model = self._chosen_model()
        if isinstance(model, FunctionalModel) or (model is None and self.functional):
            model = model or self.functional
            self.network.outputs = _tensors_in(model.outputs)
            self._keep_rows(self.rows_between(model.outputs))  # a Keras model is its graph
            return
        runnable = isinstance(model, (Instance, UserClass)) or (
            isinstance(model, Container) and (not model.applied or
                                              self.globals.get("model") is model))
        if not runnable:
            if not self.network.layers and self.top.cursor is None:
                raise SpecError("the spec has no layers", None)
            if self.top.cursor is not None:
                self.network.outputs = [self.top.cursor]
            return
        if isinstance(model, UserClass):
            model = self.instantiate(model, [], {}, None, self.top)
        try:
            inputs = self._inputs_for(model)
        except SpecError:
            if self.network.layers:  # the code ran it on a tensor of its own making
                self.network.outputs = [self._last_output()]
                return
            raise
        if self.network.layers:
            self._set_aside_rows()
        self.model = model
        args, kwargs = self._arguments_for(model, inputs)
        output = self.apply_module(model, args, kwargs, None, self.top)
        for value in _flat_values(output):
            tensors.refuse_unknown(value)  # an output no rule computed
        self.network.outputs = _tensors_in(output)
        self._report_parameters(model)

    def rows_between(self, outputs) -> set[int]:
        """The rows the outputs depend on, walking back from them to the inputs (a
        Keras model is the graph between its inputs and outputs, not every layer the code
        applied); parameters count wherever they stand."""
        names = {t.source for t in _tensors_in(outputs)}
        keep = set()
        for index in range(len(self.network.layers) - 1, -1, -1):
            row = self.network.layers[index]
            if row.name in names or row.type in ("Parameter", "Buffer"):
                keep.add(index)
                for name in row.inputs:
                    names.add(name)
                    names.update(self.aliases.get(name, ()))
        return keep

    def _keep_rows(self, keep: set[int]) -> None:
        layers = self.network.layers
        if len(keep) == len(layers):
            return
        kept = [row for i, row in enumerate(layers) if i in keep]
        layers[:] = [row.replace(index=i + 1) for i, row in enumerate(kept)]

    def _last_output(self) -> Tensor:
        last = self.network.layers[-1]
        return Tensor(last.output_shape, last.receptive_field, last.name)

    def _set_aside_rows(self) -> None:
        if self.functional is not None:  # Keras sub-models: their graph is built once
            built = set()
            for value in self.top_modules:
                if isinstance(value, FunctionalModel):
                    built |= self.rows_between(value.outputs)
            self._keep_rows(built)
            if built:
                return
        self.network.layers.clear()
        self.network.constants.clear()
        self.network.known = {name for name, _ in self.network.inputs}
        self.network.name_counts.clear()
        for module in self.constructed + [m for v in self.top_modules if isinstance(v, Module)
                                          for m in v.descendants()]:
            module.applied = False
            module.__dict__.pop("row_name", None)
            for value in getattr(module, "attrs", {}).values():
                if isinstance(value, Parameter):
                    value.reported = False

    def _chosen_model(self):
        model = self.globals.get("model")
        if isinstance(model, Module):
            return model
        for value in reversed(self.top_modules):
            if isinstance(value, (Instance, Container, FunctionalModel)):
                return value
        for instance in reversed(self.instances):  # built in a script's main()
            if instance.parent is None and instance.cls.framework_bases():
                return instance
        candidates = [c for c in self.classes if c.framework_bases()]
        return candidates[-1] if candidates else None

    def _inputs_for(self, model) -> list:
        declared = self.header_inputs or [(t.source, t) for t in self.code_inputs]
        if declared:
            return [t for _, t in declared]
        if isinstance(model, Container) and model.framework == KERAS:
            return []  # the first layer's input_shape= or an Input item declares it
        raise SpecError("no input declared: add `input: (1, 3, 224, 224)` (PyTorch: the full "
                        "tensor shape) or `input: (224, 224, 3)` (Keras: without the batch), "
                        "or pass --input", None)

    def _arguments_for(self, model, inputs: list) -> tuple[list, dict]:
        """`input x:` and `input hidden:` lines go to forward's parameters of those names;
        otherwise the inputs are passed in the order they were declared."""
        forward = model.cls.lookup("forward") or model.cls.lookup("call") \
            if isinstance(model, Instance) else None
        names = [name for name, _ in self.header_inputs]
        if isinstance(forward, Function) and len(names) > 1:
            parameters = [a.arg for a in forward.node.args.args[1:]]
            if set(names) <= set(parameters):
                return [], dict(zip(names, inputs))
        return inputs, {}

    def _report_parameters(self, model) -> None:
        """Parameters and buffers the model holds directly (nn.Parameter, register_buffer,
        add_weight), and the layers it constructed but never applied: they count in the
        model's parameters as the framework counts them."""
        if not isinstance(model, Module):
            return
        for module in model.descendants():
            holders = module.attrs.items() if isinstance(module, Instance) else ()
            for attr, value in holders:
                if isinstance(value, Parameter) and not value.reported:
                    self._parameter_row(value, module, attr)
            if isinstance(module, LayerModule) and not module.applied and \
                    module.framework == PYTORCH:
                frameworks.unapplied_row(self, module)

    def report_parameters(self, module: Instance, owner: str = "") -> None:
        """The parameters a module holds itself, once, when it is first applied, in its
        block and under its name (``owner`` where it has no attribute path)."""
        for attr, value in list(module.attrs.items()):
            if isinstance(value, Parameter) and not value.reported:
                self._parameter_row(value, module, value.attr or attr, owner)

    def _parameter_row(self, parameter: Parameter, module, attr: str, owner: str = "") -> None:
        parameter.reported = True
        count = algebra.product(parameter.tensor.shape) if not self.unregistered else 0
        path = module.path() or owner
        name = f"{path}.{attr}" if path else attr
        self.network.record(
            "Parameter" if parameter.kind != "buffer" else "Buffer", name, None, [],
            parameter.tensor.shape, name=name, receptive=None, block=self.block(),
            trainable=count if parameter.kind == "trainable" else 0,
            non_trainable=count if parameter.kind == "non_trainable" else 0,
            buffers=count if parameter.kind == "buffer" else 0)

    def constructed_params(self):
        """PyTorch builds every module before running any: when a layer was refused, the
        parameters of all the layers the model constructed. None when nothing was refused,
        in Keras (a model that fails to build has no parameters), or when a count is
        unknowable."""
        errors = self.network.errors
        if not errors or not isinstance(errors[0], LayerError) or self.convention != PYTORCH:
            return None
        for stmt in self.spec.module.body[getattr(self, "position", 0) + 1:]:
            # the chain's later constructor lines: PyTorch would have built them too
            if isinstance(stmt, (ast.Import, ast.ImportFrom)) or (
                    isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                continue
            if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and
                    not isinstance(stmt.value.func, ast.Call)):
                return None
            try:
                if not isinstance(self.evaluate(stmt.value, self.top), LayerModule):
                    return None
            except SpecError:
                return None
        return frameworks.constructed_params(self)

    def prelude(self, name: str, node, source: str | None = None, fallback=None,
                label: str | None = None) -> Namespace:
        """The names a zoo file imports from its own package, from shapecalc's prelude, or a
        library model's family file (``source``, e.g. shapecalc/zoo/torchvision/resnet.py),
        read by this interpreter once per spec. Errors in that code point at the user's
        call that reached it; ``fallback`` looks up what the code does not define; ``label``
        names its functions in call paths (``torchvision.models.resnet``)."""
        loaded = self.preludes.get(name)
        if loaded is None:
            span = None
            if source is None:
                from shapecalc.interpret import prelude

                source = getattr(prelude, name.upper())
                span = self.span(node)
            tree = ast.parse(source)
            for child in ast.walk(tree):
                child.prelude_span = span
                child.prelude_source = source
                child.prelude_file = name
            scope: dict = {}
            self.exec_body(tree.body, Frame(scope, None, label or name))
            lookup = scope.get if fallback is None else \
                (lambda member: scope[member] if member in scope else fallback(member))
            loaded = self.preludes[name] = Namespace(name, lookup)
        return loaded

    # -- statements ----------------------------------------------------------------------

    def exec_body(self, body: list, frame: Frame) -> None:
        for stmt in body:
            self.step(stmt)
            handler = self._statements.get(type(stmt))
            if handler is None:
                raise self.error(f"`{_describe_node(stmt)}` is not supported by shapecalc's "
                                 "reader", stmt)
            try:
                handler(stmt, frame)
            except RecursionError:  # the innermost statement with room left to say so
                raise self.error("this nests too deeply to follow (a value that contains "
                                 "itself, or a chain of calls)", stmt) from None

    def _exec_Expr(self, node: ast.Expr, frame: Frame) -> None:
        value = node.value
        if isinstance(value, ast.Constant):
            return  # a docstring
        mark = modules.serial()
        result = self.evaluate(value, frame)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
                self.lookup(value.func.id, frame) is _UNSET:
            self.network.notes.append(f"line {node.lineno}: `{value.func.id}(...)` is not "
                                      "defined in the spec; skipped (it touches no tensor)")
        items = result if isinstance(value, ast.Tuple) and isinstance(result, tuple) else (result,)
        for item in items:
            self._chain(item, frame, node, mark)

    def _chain(self, value: object, frame: Frame, node, mark: int) -> None:
        """A statement's value: a tensor becomes the current tensor; a layer the statement
        constructed and left unused is applied to it."""
        if isinstance(value, tensors.Outputs):
            value = _first_tensor(value)
        previous = frame.cursor
        if isinstance(value, Tensor):
            frame.cursor = value
        elif isinstance(value, Module) and not value.applied and value.parent is None and \
                value.serial > mark:
            frame.cursor = self._chain_apply(value, frame, node)
        branch = isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Call)
        if frame is self.top and frame.cursor is not previous and previous is not None and \
                self.top.locals.get(CHAIN_NAME) is previous and not branch:
            # a bare line continues the chain and `x` follows it, as in a forward():
            # `x.flatten(start_dim=1)` after `nn.AdaptiveAvgPool2d(1)` flattens the pooled x;
            # `nn.Conv2d(...)(x)` starts a branch from x, and `input` stays the input
            self.top.locals[CHAIN_NAME] = frame.cursor

    def _chain_apply(self, module, frame: Frame, node) -> Tensor:
        if frame.cursor is None:
            implicit = frameworks.implicit_input(self, module)
            if implicit is None:
                raise self.error(
                    "no input declared before the first layer: add `input: (1, 3, 224, 224)` "
                    "(PyTorch: the full tensor shape) or `input: (224, 224, 3)` (Keras: "
                    "without the batch)", node)
            frame.cursor = implicit
        result = self.apply_module(module, [frame.cursor], {}, node, frame)
        tensor = _first_tensor(result)
        if tensor is None:
            raise self.error("this layer gave no tensor", node)
        return tensor

    def _exec_Assign(self, node: ast.Assign, frame: Frame) -> None:
        outer, self.mark = self.mark, modules.serial()
        try:
            value = self.evaluate(node.value, frame)
            for target in node.targets:
                self.assign(target, value, frame, node)
        finally:
            self.mark = outer

    def _exec_AnnAssign(self, node: ast.AnnAssign, frame: Frame) -> None:
        if node.value is not None:
            self.assign(node.target, self.evaluate(node.value, frame), frame, node)

    def _exec_AugAssign(self, node: ast.AugAssign, frame: Frame) -> None:
        current = self.evaluate(_as_load(node.target), frame)
        operand = self.evaluate(node.value, frame)
        op = _BINARY[type(node.op)]
        if isinstance(current, list) and op == "+":
            current.extend(self.iterate(operand, node.value))  # lists grow in place
            self._check_size(current, node)
            value = current
        else:
            value = self.binary(op, current, operand, node)
        self.assign(node.target, value, frame, node)

    def assign(self, target, value: object, frame: Frame, node) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            if name.startswith(INPUT_TARGET):
                self._declare_input(name[len(INPUT_TARGET):] or "input", value, node.value)
                return
            if frame is self.top and node.lineno in self.spec.lets and \
                    isinstance(node, ast.Assign):
                if name in self.overrides:
                    return
                value = concrete(value)
                if not arithmetic.is_integer(value):
                    raise self.error(f"expected an integer expression, got {value!r}",
                                     node.value)
                self.bindings[name] = value
            if isinstance(value, Tensor) and any(value is t for t in self.code_inputs):
                value = self._rename_input(value, name)
            elif isinstance(value, Tensor):
                self._name_row(value, name)
            value = self._chain_assigned(name, value, frame, node)
            if isinstance(value, Module) and value.parent is None:
                value.__dict__.setdefault("var_name", name)
            frame.locals[name] = value
            if frame is self.top and isinstance(value, Module):
                self.top_modules.append(value)
        elif isinstance(target, ast.Attribute):
            receiver = self.evaluate(target.value, frame)
            self.set_attribute(receiver, target.attr, value, target)
        elif isinstance(target, ast.Subscript):
            receiver = self.evaluate(target.value, frame)
            key = self.evaluate(target.slice, frame)
            objects.set_item(self, receiver, key, value, target)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value, frame, node)
        elif isinstance(target, ast.Starred):
            raise self.error("a starred assignment needs a tuple around it", target)
        else:
            raise self.error(f"cannot assign to `{_describe_node(target)}`", target)

    def _chain_assigned(self, name: str, value: object, frame: Frame, node):
        """`y = nn.BatchNorm2d(c)` with a current tensor, `y` never called: applied."""
        if isinstance(value, (Tensor, tensors.Outputs)):
            frame.cursor = _first_tensor(value)
        elif isinstance(value, LayerModule) and value.serial > self.mark and \
                frame.cursor is not None and name not in self.called_names and \
                isinstance(node, ast.Assign) and value.parent is None and not value.applied:
            value = self._chain_apply(value, frame, node)
            frame.cursor = value
        return value

    def _name_row(self, tensor: Tensor, name: str) -> None:
        """`q = nn.ReLU()(...)`: the row that made the tensor is known as `q` too."""
        layers = self.network.layers
        if layers and layers[-1].name == tensor.source and layers[-1].tensor is None:
            layers[-1] = layers[-1].replace(tensor=name)

    def _rename_input(self, tensor: Tensor, name: str) -> Tensor:
        """`inputs = keras.Input(...)`: the input is named after its variable."""
        taken = {n for n, _ in self.network.inputs}
        if name in taken and name != tensor.source:
            name = self.network.auto_name(name)
            while name in taken:
                name = self.network.auto_name(name.rsplit("_", 1)[0])
        self.network.known.add(name)
        dtypes = self.network.declared_dtypes
        if tensor.source in dtypes:
            dtypes[name] = dtypes.pop(tensor.source)
        renamed = tensor.replace(source=name)
        self.code_inputs[self.code_inputs.index(tensor)] = renamed
        inputs = self.network.inputs
        for i, (old, shape) in enumerate(inputs):
            if old == tensor.source:
                inputs[i] = (name, shape)
                break
        return renamed

    def _unpack(self, target, value: object, frame: Frame, node) -> None:
        if isinstance(value, Opaque):  # images, labels = next(dataiter)
            items = [Opaque(f"{value.text}[{i}]", harmless=value.harmless)
                     for i in range(len(target.elts))]
            for sub, item in zip(target.elts, items):
                self.assign(sub.value if isinstance(sub, ast.Starred) else sub, item, frame,
                            node)
            return
        items = list(self.iterate(value, node))
        starred = [i for i, t in enumerate(target.elts) if isinstance(t, ast.Starred)]
        elts = target.elts
        if starred:
            at = starred[0]
            after = len(elts) - at - 1
            if len(items) < len(elts) - 1:
                raise self.error(f"not enough values to unpack (expected at least "
                                 f"{len(elts) - 1}, got {len(items)})", node)
            middle = items[at:len(items) - after]
            items = [*items[:at], list(middle), *items[len(items) - after:]]
            elts = [*elts[:at], elts[at].value, *elts[at + 1:]]
        if len(items) != len(elts):
            raise self.error(f"cannot unpack {len(items)} values into {len(elts)} names", node)
        for sub, item in zip(elts, items):
            self.assign(sub, item, frame, node)

    def _declare_input(self, name: str, value: object, node) -> None:
        if self.input_override is not None and node is not None and name == "input":
            return  # --input takes the place of the spec's `input:` line
        if any(n == name for n, _ in self.header_inputs):
            raise self.error(f"input `{name}` declared twice (name further inputs: "
                             "`input mask: (...)`)", node)
        dtype = next((s.dtype for s in self.spec.statements if isinstance(s, S.InputDecl)
                      and node is not None and s.span.line == node.lineno), None)
        tensor = frameworks.input_tensor(self, name, value, node, header=True, dtype=dtype)
        self.header_inputs.append((name, tensor))
        if self.top.cursor is None:
            self.top.cursor = tensor
        self.top.locals.setdefault(name, tensor)
        if name == "input":  # an unnamed input is the `x` of the lines a forward() gave
            self.top.locals.setdefault(CHAIN_NAME, tensor)

    def _exec_If(self, node: ast.If, frame: Frame) -> None:
        branch = node.body if self.truth(self.evaluate(node.test, frame), node.test) else node.orelse
        self.exec_body(branch, frame)

    def _exec_For(self, node: ast.For, frame: Frame) -> None:
        outer, self.loop_range = self.loop_range, node.iter  # range(L) may be symbolic here
        try:
            iterable = self.evaluate(node.iter, frame)
        finally:
            self.loop_range = outer
        if isinstance(iterable, SymbolicRange):
            from shapecalc.interpret import loops

            return loops.run(self, node, frame, iterable)
        items = self.iterate(iterable, node.iter)
        broke = False
        for item in items:
            self.step(node)
            self.assign(node.target, item, frame, node)
            try:
                self.exec_body(node.body, frame)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke and node.orelse:
            self.exec_body(node.orelse, frame)

    def _exec_While(self, node: ast.While, frame: Frame) -> None:
        while self.truth(self.evaluate(node.test, frame), node.test):
            self.step(node)
            try:
                self.exec_body(node.body, frame)
            except _Break:
                return
            except _Continue:
                continue
        self.exec_body(node.orelse, frame)

    def _exec_Break(self, node, frame) -> None:
        raise _Break()

    def _exec_Continue(self, node, frame) -> None:
        raise _Continue()

    def _exec_Pass(self, node, frame) -> None:
        pass

    def _exec_Return(self, node: ast.Return, frame: Frame) -> None:
        if frame is self.top:
            raise self.error("`return` outside a function", node)
        raise _Return(None if node.value is None else self.evaluate(node.value, frame))

    def _exec_FunctionDef(self, node: ast.FunctionDef, frame: Frame) -> None:
        kind = "function"
        for decorator in node.decorator_list:
            name = decorator.id if isinstance(decorator, ast.Name) else (
                decorator.attr if isinstance(decorator, ast.Attribute) else "")
            if name in ("staticmethod", "classmethod", "property"):
                kind = name
            elif name == "setter":
                return  # a property's setter: the value is set directly
        defaults = self._defaults(node.args, frame)
        qualname = node.name if frame is self.top else f"{frame.name}.{node.name}"
        enclosing = frame.enclosing if frame.is_class else frame
        function: object = Function(node.name, qualname, node, enclosing, defaults, kind)
        for decorator in reversed(node.decorator_list):
            function = self._decorated(decorator, function, frame)
        frame.locals[node.name] = function

    def _decorated(self, decorator, function, frame: Frame):
        """A decorator the code defines (d2l's add_to_class) runs; the frameworks' own
        (torch.jit.unused, no_grad(), registries) change nothing that is counted here."""
        if isinstance(decorator, ast.Call):
            maker = self.evaluate(decorator.func, frame)
            if not isinstance(maker, Function) and not getattr(maker, "decorator", False):
                return function
            made = self.evaluate(decorator, frame)
        else:
            made = self.evaluate(decorator, frame) if isinstance(decorator, ast.Name) and \
                isinstance(self.lookup(decorator.id, frame), Function) else None
        if not isinstance(made, (Function, Builtin)):
            return function
        result = self.call(made, [function], {}, decorator, frame)
        return function if isinstance(result, Opaque) else result

    def _defaults(self, args: ast.arguments, frame: Frame) -> dict:
        defaults: dict = {}
        positional = [*args.posonlyargs, *args.args]
        for arg, default in zip(positional[len(positional) - len(args.defaults):],
                                args.defaults):
            defaults[arg.arg] = self.evaluate(default, frame)
        for arg, default in zip(args.kwonlyargs, args.kw_defaults):
            if default is not None:
                defaults[arg.arg] = self.evaluate(default, frame)
        return defaults

    def _exec_ClassDef(self, node: ast.ClassDef, frame: Frame) -> None:
        bases = tuple(frameworks.class_base(self, self.evaluate(b, frame), b) for b in node.bases)
        namespace: dict = {}
        body = Frame(namespace, frame, node.name, is_class=True)
        self.exec_body(node.body, body)
        cls = UserClass(node.name, bases, namespace, self.span(node))
        record_like = any(_decorator_name(d) == "dataclass" for d in node.decorator_list) or \
            any(isinstance(b, FrameworkBase) and b.name.endswith("NamedTuple") for b in bases)
        if record_like and "__init__" not in namespace:  # @dataclass, typing.NamedTuple
            namespace["__init__"] = self._dataclass_init(node, namespace, frame)
        for value in namespace.values():
            if isinstance(value, Function):
                value.owner = cls  # for super() in its methods
        frame.locals[node.name] = cls
        if frame is self.top:
            self.classes.append(cls)

    def _dataclass_init(self, node: ast.ClassDef, namespace: dict, frame: Frame) -> Function:
        """@dataclass: an __init__ taking the annotated fields in order, with the class's
        values as defaults."""
        fields = [stmt.target.id for stmt in node.body
                  if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)]
        self_name = ast.Name("self", ast.Load())
        body = [ast.Assign([ast.Attribute(self_name, f, ast.Store())], ast.Name(f, ast.Load()))
                for f in fields] or [ast.Pass()]
        args = ast.arguments(posonlyargs=[], args=[ast.arg("self"), *map(ast.arg, fields)],
                             vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                             defaults=[])
        init = ast.FunctionDef("__init__", args, body, [], None)
        for child in ast.walk(init):
            ast.copy_location(child, node)
            child.end_lineno, child.end_col_offset = node.lineno, node.col_offset + 5
        defaults = {f: namespace[f] for f in fields if f in namespace}
        return Function("__init__", f"{node.name}.__init__", init,
                        frame.enclosing if frame.is_class else frame, defaults)

    def _exec_Import(self, node: ast.Import, frame: Frame) -> None:
        for alias in node.names:
            if alias.asname:
                frame.locals[alias.asname] = self.library.module(alias.name)
            else:
                root = alias.name.split(".")[0]
                frame.locals[root] = self.library.module(root)

    def _exec_ImportFrom(self, node: ast.ImportFrom, frame: Frame) -> None:
        if node.level or (node.module or "").startswith("torchvision"):
            models = self.library.namespaces["tvmodels"]  # torchvision.models.resnet50...
            module = self.prelude("torchvision", node, fallback=models.lookup)
        elif (node.module or "").startswith("keras.src") and node.module not in (
                "keras.src.layers", "keras.src.ops"):
            module = self.prelude("keras_src", node)  # keras.applications' own package
        else:
            module = self.library.module(node.module or "")
        for alias in node.names:
            if alias.name == "*":
                continue
            value = self.library.member(module, alias.name, node)
            frame.locals[alias.asname or alias.name] = value

    def _exec_With(self, node: ast.With, frame: Frame) -> None:
        for item in node.items:
            self.evaluate(item.context_expr, frame)  # torch.no_grad() and the like
            if item.optional_vars is not None:
                self.assign(item.optional_vars, Opaque(self.text(item.context_expr)), frame,
                            node)
        self.exec_body(node.body, frame)

    def _exec_Assert(self, node: ast.Assert, frame: Frame) -> None:
        value = self.evaluate(node.test, frame)
        verdict = arithmetic.decide(value)
        if verdict is False:
            message = self.evaluate(node.msg, frame) if node.msg is not None else None
            raise self.error("assertion failed" + (f": {message}" if message else "") +
                             f": `{self.text(node.test)}`", node)

    def _exec_Raise(self, node: ast.Raise, frame: Frame) -> None:
        exc = node.exc
        if hasattr(node, "prelude_source") and isinstance(exc, ast.Call) and exc.args:
            message = self.evaluate(exc.args[0], frame)  # library code: the framework's words
            if isinstance(message, str):
                raise self.error(f"{self.text(exc.func)}: {message}", node)
        raise self.error(f"the code raises `{self.text(node.exc) if node.exc else 'raise'}` "
                         "here", node)

    def _exec_Try(self, node: ast.Try, frame: Frame) -> None:
        # the handlers guard against errors of real execution (ImportError...), which do
        # not happen here: the body runs, then else and finally
        self.exec_body(node.body, frame)
        self.exec_body(node.orelse, frame)
        self.exec_body(node.finalbody, frame)

    def _exec_Delete(self, node: ast.Delete, frame: Frame) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                frame.locals.pop(target.id, None)

    def _exec_Global(self, node, frame) -> None:
        pass  # module-level names are read through the enclosing frames anyway

    _exec_Nonlocal = _exec_Global

    # -- expressions ---------------------------------------------------------------------

    def evaluate(self, node, frame: Frame) -> object:
        self.steps += 1
        if self.steps > MAX_STEPS or not self.steps & 0x3FF:
            self.step(node)
        handler = self._expressions.get(type(node))
        if handler is None:
            raise self.error(f"`{_describe_node(node)}` is not supported by shapecalc's "
                             "reader", node)
        return handler(node, frame)

    def _eval_Constant(self, node: ast.Constant, frame: Frame) -> object:
        value = node.value
        if isinstance(value, (bytes, complex)):
            raise self.error(f"unsupported literal {value!r}", node)
        if type(value) is int and value.bit_length() > MAX_BITS:
            raise self.error(f"number too large (more than {MAX_BITS} bits)", node)
        return value

    def _eval_Name(self, node: ast.Name, frame: Frame, namespaces: bool = False) -> object:
        value = self.lookup(node.id, frame, namespaces)
        if value is _UNSET:
            return Unbound(node.id)  # a positive-integer symbol where a number is needed
        return value

    def lookup(self, name: str, frame: Frame, namespaces: bool = True):
        scope: Frame | None = frame
        while scope is not None:
            if name in scope.locals:
                return scope.locals[name]
            scope = scope.enclosing
        value = self.library.global_name(name, namespaces)
        return _UNSET if value is None else value

    def _eval_Attribute(self, node: ast.Attribute, frame: Frame) -> object:
        if isinstance(node.value, ast.Name):
            self.step(node.value)
            receiver = self.lookup(node.value.id, frame)
            if receiver is _UNSET:  # `regularizers.l2(...)` pasted without its import
                receiver = Opaque(node.value.id)
                receiver.unbound = True
        else:
            receiver = self.evaluate(node.value, frame)
        return self.attribute(receiver, node.attr, node)

    def attribute(self, receiver: object, name: str, node) -> object:
        return objects.attribute(self, receiver, name, node)

    def set_attribute(self, receiver: object, name: str, value: object, node) -> None:
        objects.set_attribute(self, receiver, name, value, node)

    def _eval_Subscript(self, node: ast.Subscript, frame: Frame) -> object:
        receiver = self.evaluate(node.value, frame)
        key = self.evaluate(node.slice, frame)
        return objects.get_item(self, receiver, key, node)

    def _eval_Slice(self, node: ast.Slice, frame: Frame) -> object:
        parts = [None if p is None else self.evaluate(p, frame)
                 for p in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def _eval_Tuple(self, node: ast.Tuple, frame: Frame) -> tuple:
        return tuple(self._items(node.elts, frame, node))

    def _eval_List(self, node: ast.List, frame: Frame) -> list:
        return list(self._items(node.elts, frame, node))

    def _eval_Set(self, node: ast.Set, frame: Frame) -> list:
        items = []
        for item in self._items(node.elts, frame, node):
            if item not in items:
                items.append(item)
        return items

    def _items(self, elts, frame: Frame, node) -> list:
        items: list = []
        for elt in elts:
            if isinstance(elt, ast.Starred):
                items.extend(self.iterate(self.evaluate(elt.value, frame), elt))
            else:
                items.append(self.evaluate(elt, frame))
        self._check_size(items, node)
        return items

    def _check_size(self, items, node) -> None:
        if len(items) > MAX_ITEMS:
            raise self.error(f"more than {MAX_ITEMS:,} items in one container", node)

    def _eval_Dict(self, node: ast.Dict, frame: Frame) -> dict:
        result: dict = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                result.update(objects.as_dict(self, self.evaluate(value, frame), value))
            else:
                result[objects.hashable(self, self.evaluate(key, frame), key)] = \
                    self.evaluate(value, frame)
        return result

    def _eval_JoinedStr(self, node: ast.JoinedStr, frame: Frame) -> str:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append(self._eval_FormattedValue(value, frame))
        return "".join(parts)

    def _eval_FormattedValue(self, node: ast.FormattedValue, frame: Frame) -> str:
        value = self.evaluate(node.value, frame)
        spec = self._eval_JoinedStr(node.format_spec, frame) if node.format_spec else ""
        return objects.format_value(self, value, spec, node)

    def _eval_BinOp(self, node: ast.BinOp, frame: Frame) -> object:
        left = self.evaluate(node.left, frame)
        right = self.evaluate(node.right, frame)
        return self.binary(_BINARY[type(node.op)], left, right, node)

    def binary(self, op: str, a: object, b: object, node) -> object:
        a, b = concrete(a), concrete(b)
        if isinstance(a, (Tensor, Parameter, tensors.Outputs)) or \
                isinstance(b, (Tensor, Parameter, tensors.Outputs)):
            return tensors.arithmetic(self, op, a, b, node)
        return arithmetic.arithmetic(self, op, a, b, node)

    def _eval_UnaryOp(self, node: ast.UnaryOp, frame: Frame) -> object:
        value = self.evaluate(node.operand, frame)
        if isinstance(node.op, ast.Not):
            return not self.truth(value, node.operand)
        value = concrete(value)
        if isinstance(value, (Tensor, Parameter)):
            return tensors.unary(self, value, node)
        if isinstance(value, (str, tuple, list, dict, type(None))) or isinstance(
                value, (Module, Opaque, Function, Namespace)):
            raise self.error(f"bad operand for unary {_UNARY_TEXT[type(node.op)]}: "
                             f"{arithmetic.describe(value)}", node)
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.Invert):
            if type(value) is not int and type(value) is not bool:
                raise self.error("`~` needs an integer", node)
            return ~value
        return +value

    def _eval_BoolOp(self, node: ast.BoolOp, frame: Frame) -> object:
        is_and = isinstance(node.op, ast.And)
        value = None
        for item in node.values:
            value = self.evaluate(item, frame)
            if self.truth(value, item) != is_and:
                return value
        return value

    def _eval_Compare(self, node: ast.Compare, frame: Frame) -> object:
        left = self.evaluate(node.left, frame)
        for op, comparator in zip(node.ops, node.comparators):
            right = self.evaluate(comparator, frame)
            if not arithmetic.compare(self, type(op).__name__, left, right, node):
                return False
            left = right
        return True

    def _eval_IfExp(self, node: ast.IfExp, frame: Frame) -> object:
        test = self.truth(self.evaluate(node.test, frame), node.test)
        return self.evaluate(node.body if test else node.orelse, frame)

    def _eval_NamedExpr(self, node: ast.NamedExpr, frame: Frame) -> object:
        value = self.evaluate(node.value, frame)
        self.assign(node.target, value, frame, node)
        return value

    def _eval_Lambda(self, node: ast.Lambda, frame: Frame) -> Function:
        return Function("<lambda>", "<lambda>", node, frame, self._defaults(node.args, frame))

    def _comprehension(self, node, frame: Frame, make) -> None:
        inner = Frame({}, frame, frame.name, frame.cursor)

        def loop(generators) -> None:
            if not generators:
                make(inner)
                return
            generator, rest = generators[0], generators[1:]
            for item in self.iterate(self.evaluate(generator.iter, inner), generator.iter):
                self.step(generator)
                self.assign(generator.target, item, inner, generator)
                if all(self.truth(self.evaluate(test, inner), test) for test in generator.ifs):
                    loop(rest)

        loop(node.generators)

    def _eval_ListComp(self, node: ast.ListComp, frame: Frame) -> list:
        repeated = self._repeated(node, frame)
        if repeated is not None:
            return repeated
        result: list = []
        self._comprehension(node, frame, lambda inner: result.append(self.evaluate(node.elt, inner)))
        self._check_size(result, node)
        return result

    _eval_GeneratorExp = _eval_ListComp

    def _repeated(self, node, frame: Frame) -> list | None:
        """`[Block(c) for _ in range(L)]` with L a symbol: the module made on a symbolic
        iteration, standing for its L copies (a module list repeated in closed form)."""
        (generator, *rest) = node.generators
        if rest or generator.ifs or not isinstance(generator.iter, ast.Call):
            return None
        outer, self.loop_range = self.loop_range, generator.iter
        try:
            iterable = self.evaluate(generator.iter, frame)
        finally:
            self.loop_range = outer
        if not isinstance(iterable, SymbolicRange):
            return None
        from shapecalc.interpret import loops
        from shapecalc.symbolic import expr

        inner = Frame({}, frame, frame.name, frame.cursor)
        index = loops.index_symbol(generator.target)
        start = expr(iterable.start)
        self.assign(generator.target, start + index, inner, generator)
        item = self.evaluate(node.elt, inner)
        if not isinstance(item, Module):
            count = algebra.show(expr(iterable.stop) - start)
            raise self.error(f"range() needs a known count, got {count}: bind it (let or "
                             "--set); only a list of modules repeats symbolically", generator.iter)
        return [modules.Repeated(item, start, expr(iterable.stop) - start, index,
                                 generator.iter, f"[... for ... in {self.text(generator.iter)}]")]

    def _eval_SetComp(self, node: ast.SetComp, frame: Frame) -> list:
        result: list = []

        def add(inner) -> None:
            value = self.evaluate(node.elt, inner)
            if value not in result:
                result.append(value)

        self._comprehension(node, frame, add)
        return result

    def _eval_DictComp(self, node: ast.DictComp, frame: Frame) -> dict:
        result: dict = {}

        def add(inner) -> None:
            key = objects.hashable(self, self.evaluate(node.key, inner), node.key)
            result[key] = self.evaluate(node.value, inner)

        self._comprehension(node, frame, add)
        return result

    def _eval_Starred(self, node: ast.Starred, frame: Frame) -> object:
        raise self.error("`*` unpacking is only read in calls, lists and tuples", node)

    def _eval_Call(self, node: ast.Call, frame: Frame) -> object:
        func = self.evaluate(node.func, frame)
        args: list = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                args.extend(self.iterate(self.evaluate(arg.value, frame), arg))
            else:
                args.append(self.evaluate(arg, frame))
        kwargs: dict = {}
        for keyword in node.keywords:
            value = self.evaluate(keyword.value, frame)
            if keyword.arg is None:
                kwargs.update(objects.as_dict(self, value, keyword.value))
            else:
                if keyword.arg in kwargs:
                    raise self.error(f"keyword argument repeated: {keyword.arg}", keyword)
                kwargs[keyword.arg] = value
        return self.call(func, args, kwargs, node, frame)

    # -- calls ---------------------------------------------------------------------------

    def call(self, func: object, args: list, kwargs: dict, node, frame: Frame) -> object:
        if isinstance(func, Builtin):
            return func.fn(self, args, kwargs, node) if func.bound is None else \
                func.fn(self, func.bound, args, kwargs, node)
        if isinstance(func, Function):
            return self.call_function(func, args, kwargs, node, frame)
        if isinstance(func, BoundMethod):
            receiver = func.receiver
            return self.call_function(func.function, [receiver, *args], kwargs, node, frame)
        if isinstance(func, UserClass):
            return self.instantiate(func, args, kwargs, node, frame)
        if isinstance(func, Module):
            return self.apply_module(func, args, kwargs, node, frame)
        return frameworks.call_other(self, func, args, kwargs, node)

    def call_function(self, function: Function, args: list, kwargs: dict, node,
                      frame: Frame | None) -> object:
        if len(self.call_stack) >= MAX_CALL_DEPTH:
            raise self.error(f"calls nested deeper than {MAX_CALL_DEPTH} (does "
                             f"`{function.qualname}` call itself without end?)", node)
        cursor = frame.cursor if frame is not None else None
        chained = cursor is not None and not (args and isinstance(args[0], Tensor)) and \
            function.kind == "function" and "." not in function.qualname and \
            isinstance(function.node, ast.FunctionDef)
        if chained and _first_parameter(function) in _TENSOR_PARAMETERS:
            args = [cursor, *args]  # a block called in a chain: the current tensor first
            chained = False
        try:
            local = self._bind(function, args, kwargs, node)
        except SpecError:
            if not chained:
                raise
            args = [cursor, *args]
            local = self._bind(function, args, kwargs, node)
        first = next((v for v in local.values() if isinstance(v, Tensor)), None)
        inner = Frame(local, function.closure, function.qualname, first)
        block = None
        if first is not None and "." not in function.qualname and \
                isinstance(function.node, ast.FunctionDef):
            block = self.network.auto_name(function.name)
            self.blocks.append(block)
        self.call_stack.append((function.qualname, node.lineno if node is not None else 0))
        self.running.append((function, local))
        entered = hasattr(function.node, "prelude_source") and node is not None and \
            not hasattr(node, "prelude_source")
        if entered:  # user code calls library code: its errors point here
            self.library_calls.append(self.span(node))
        try:
            if isinstance(function.node, ast.Lambda):
                return self.evaluate(function.node.body, inner)
            try:
                self.exec_body(function.node.body, inner)
                result = inner.cursor if inner.cursor is not first else None
            except _Return as returned:
                result = returned.value
            if block is not None and frame is not None and isinstance(result, Tensor) and \
                    self.lookup(block, frame) is _UNSET:
                frame.locals[block] = result  # the block's output, by its instance name
            return result
        except (_Break, _Continue):
            raise self.error("`break`/`continue` outside a loop", node)
        except SpecError as error:
            _add_trace(error, function.qualname, node)
            raise
        finally:
            self.call_stack.pop()
            self.running.pop()
            if entered:
                self.library_calls.pop()
            if block is not None:
                self.blocks.pop()

    def _bind(self, function: Function, args: list, kwargs: dict, node) -> dict:
        """Python's own argument binding, with its errors."""
        spec = function.node.args
        positional = [a.arg for a in (*spec.posonlyargs, *spec.args)]
        local: dict = {}
        name = function.qualname
        if len(args) > len(positional) and spec.vararg is None:
            raise self.error(f"{name}() takes {len(positional)} positional arguments but "
                             f"{len(args)} were given", node)
        for param, value in zip(positional, args):
            local[param] = value
        if spec.vararg is not None:
            local[spec.vararg.arg] = tuple(args[len(positional):])
        extra: dict = {}
        keyword_names = {a.arg for a in spec.kwonlyargs} | set(positional[len(spec.posonlyargs):])
        for key, value in kwargs.items():
            if key in local:
                raise self.error(f"{name}() got multiple values for argument '{key}'", node)
            if key in keyword_names:
                local[key] = value
            elif spec.kwarg is not None:
                extra[key] = value
            else:
                raise self.error(f"{name}() got an unexpected keyword argument '{key}'", node)
        for param in [*positional, *(a.arg for a in spec.kwonlyargs)]:
            if param not in local:
                if param in function.defaults:
                    local[param] = function.defaults[param]
                else:
                    raise self.error(f"{name}() missing required argument: '{param}'", node)
        if spec.kwarg is not None:
            local[spec.kwarg.arg] = extra
        return local

    def instantiate(self, cls: UserClass, args: list, kwargs: dict, node, frame) -> object:
        bases = cls.framework_bases()
        framework = next((b.framework for b in bases), "") or self.convention
        instance = Instance(cls, framework)
        self.instances.append(instance)
        if not self.call_stack:
            self.top_modules.append(instance)  # `ResNet18().layer_summary(...)`
        init = cls.lookup("__init__")
        if isinstance(init, Function):
            self.call_function(init, [instance, *args], kwargs, node, None)
        elif args or kwargs:
            frameworks.base_init(self, instance, args, kwargs, node)
        return instance

    def apply_module(self, module: Module, args: list, kwargs: dict, node, frame) -> object:
        return frameworks.apply_module(self, module, args, kwargs, node, frame)

    # -- helpers -------------------------------------------------------------------------

    def truth(self, value: object, node) -> bool:
        verdict = arithmetic.decide(concrete(value))
        if verdict is None:
            raise self.error("this condition depends on unbound symbols; bind them (let or "
                             "--set) to decide it", node)
        return verdict

    def iterate(self, value: object, node) -> list:
        return arithmetic.iterate(self, value, node)

    @property
    def called_names(self) -> set[str]:
        if self._called_names is None:  # walked only when an assignment needs it
            self._called_names = _called_names(self.spec.module)
        return self._called_names

    def current_self(self):
        """(self, the class defining the running method), for super()."""
        for function, local in reversed(self.running):
            owner = getattr(function, "owner", None)
            if owner is not None and isinstance(function.node, ast.FunctionDef):
                args = function.node.args
                first = (args.posonlyargs or args.args or [None])[0]
                if first is not None and first.arg in local:
                    return local[first.arg], owner
        return None

    def block(self) -> str:
        return "/".join(self.blocks)


def _handlers(prefix: str) -> dict:
    """The node classes Interpreter handles, each with its method's name (one table,
    built once: `_exec_For` handles ast.For)."""
    return {getattr(ast, name[len(prefix):]): name for name in dir(Interpreter)
            if name.startswith(prefix) and hasattr(ast, name[len(prefix):])}


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|",
           ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}
_UNARY_TEXT = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~"}


_TENSOR_PARAMETERS = {"x", "input", "inputs", "tensor", "y", "z", "h"}


def _decorator_name(node) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    return node.id if isinstance(node, ast.Name) else (
        node.attr if isinstance(node, ast.Attribute) else "")


def _first_parameter(function: Function) -> str | None:
    args = function.node.args
    first = (args.posonlyargs or args.args or [None])[0]
    return first.arg if first is not None else None


def _as_load(target):
    if isinstance(target, ast.Name):
        return ast.copy_location(ast.Name(target.id, ast.Load()), target)
    return target


def _describe_node(node) -> str:
    names = {"AsyncFunctionDef": "async def", "Yield": "yield", "YieldFrom": "yield from",
             "Await": "await", "Match": "match", "AsyncFor": "async for",
             "AsyncWith": "async with", "TryStar": "try/except*"}
    return names.get(type(node).__name__, type(node).__name__)


def _called_names(module) -> set[str]:
    """Names the code calls somewhere (`conv(x)`): such a name holds a module, not a layer
    to apply where it is assigned."""
    return {node.func.id for node in ast.walk(module)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def _first_tensor(value: object) -> Tensor | None:
    found = _tensors_in(value)
    return found[0] if found else None


def _flat_values(value: object) -> list:
    if isinstance(value, (tuple, list)):
        return [v for item in value for v in _flat_values(item)]
    if isinstance(value, dict):
        return [v for item in value.values() for v in _flat_values(item)]
    return [value]


def _tensors_in(value: object) -> list[Tensor]:
    """The tensors in a returned value, in order (tuples, lists and dicts unpacked)."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, Parameter):
        return [value.tensor]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors_in(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors_in(item)]
    return []


@functools.lru_cache(maxsize=64)
def _lines(source: str) -> tuple[bytes, ...]:
    return tuple(line.encode("utf-8") for line in source.splitlines())


def _library_text(source: str, node) -> str:
    """A library node's source on one line (ast.get_source_segment splits the whole file
    at each call: too slow for one per layer)."""
    lines = _lines(source)
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    if not 0 <= first <= last < len(lines):
        return "?"
    if first == last:
        chunk = [lines[first][node.col_offset:node.end_col_offset]]
    else:
        chunk = [lines[first][node.col_offset:], *lines[first + 1:last],
                 lines[last][:node.end_col_offset]]
    return " ".join(part.decode("utf-8", errors="replace").strip() for part in chunk) or "?"


def _add_trace(error: SpecError, qualname: str, node) -> None:
    """The user's call path, innermost first: `in Net.forward (line 30) ← ...`."""
    if node is None:
        where = qualname
    elif hasattr(node, "prelude_file"):  # library code: its own file's line
        where = f"{qualname} (called at {node.prelude_file} line {node.lineno})"
    else:
        where = f"{qualname} (called at line {node.lineno})"
    trace = getattr(error, "trace", None)
    if trace is None:
        error.trace = [where]
    elif len(trace) < 6:
        trace.append(where)
    else:
        return
    error.message = error.message.split("\n  in ")[0] + "\n  in " + " ← ".join(error.trace)



_STATEMENTS = _handlers("_exec_")
_EXPRESSIONS = _handlers("_eval_")
