"""The framework code for an analysed network, as text: a PyTorch ``nn.Module`` or a Keras
functional model, with the spec's layer names and its evaluated arguments.

PyTorch: every layer is an attribute named after its spec name (``self.conv2d_1``) and
``forward`` follows the graph, one line per layer, each result named after its layer; the
merges are written as PyTorch writes them (``a + b``, ``a - b``, ``a * b``,
``torch.cat([a, b], dim=1)``); modules that return a tuple (RNN/LSTM/GRU, LSTMCell,
MultiheadAttention, pooling with ``return_indices=True``) keep its first element, and
MultiheadAttention called on one tensor attends to itself (``(x, x, x)``). A
``__main__`` block runs the model on a tensor of the input shape and prints the shape.

Keras: ``keras.Input(shape=..., name=...)`` for each declared input (its batch when the spec
fixed one), then ``layers.X(..., name="spec_name")(inputs)``; merges take a list, attention
takes ``(query, value[, key])``. Nested constructors (``Bidirectional(LSTM(64))``) and
other references (``kernel_regularizer=regularizers.l2(1e-4)``) are written back with
Keras 3 names (``tf.keras.layers.LSTM`` becomes ``layers.LSTM``).

Arguments are the spec's, bound to the framework's parameter names and evaluated
(``2*k+1`` with ``k = 3`` is written ``7``): the leading required ones positionally, the
others by keyword. A spec with unbound symbols is refused, naming them. This module only
writes text; nothing is executed.
"""

from __future__ import annotations

import keyword
import re
from fractions import Fraction

from shapecalc.errors import ShapecalcError
from shapecalc.layers import REGISTRY
from shapecalc.layers.base import KERAS, PYTORCH, REQUIRED
from shapecalc.report import LayerReport, NetworkReport
from shapecalc.spec import syntax as S
from shapecalc.spec.evaluate import Reference

TARGETS = (PYTORCH, KERAS)
MERGE_OPERATORS = {"add": "+", "sub": "-", "mul": "*"}
# PyTorch modules whose forward returns a tuple whose first element is the output
TUPLE_OUTPUTS = {"RNN", "LSTM", "GRU", "LSTMCell", "MultiheadAttention"}
KERAS_LIST_MERGES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                     "Concatenate"}
# The input comes from keras.Input; these first-layer arguments would repeat it
KERAS_INPUT_ARGUMENTS = {"input_shape", "batch_input_shape", "input_dim", "batch_size"}
KERAS_MODULES = {"regularizers", "initializers", "constraints", "activations", "ops"}
FRAMEWORK_MODULES = {"torch", "nn", "F", "tf", "tensorflow", "keras", "layers", *KERAS_MODULES}
# Names a generated file uses itself, which a layer or tensor name must not shadow
RESERVED = {"self", "torch", "nn", "keras", "layers", "tf", "model", "np", "inputs",
            "outputs", "build_model", "forward", "training", "train", "eval", "to", "type",
            "float", "double", "half", "cuda", "cpu", "apply", "modules", "children",
            "parameters", "buffers", "state_dict", "zero_grad", "extra_repr", "compile",
            "register_buffer", "add_module", "get_submodule", "requires_grad_"}


class ExportError(ShapecalcError):
    """The report cannot be written as framework code (invalid network, unbound symbols)."""


def unbound_symbols(report: NetworkReport) -> list[str]:
    """The names left symbolic anywhere in the inputs' shapes or the layers' arguments."""
    found: set[str] = set()
    for _, shape in report.inputs:
        _collect_symbols(shape, found)
    for layer in report.layers:
        for _, value in layer.arguments:
            _collect_symbols(value, found)
    return sorted(found)


def _collect_symbols(value: object, found: set[str]) -> None:
    if isinstance(value, tuple):
        for item in value:
            _collect_symbols(item, found)
    elif hasattr(value, "free_symbols"):  # a sympy expression: only then is sympy loaded
        found.update(str(s) for s in value.free_symbols)


def require_concrete(report: NetworkReport, what: str, *, refusal: bool = False) -> None:
    """Refuse an invalid network or one with unbound symbols, saying what to do;
    ``refusal``: a network refused at a layer is fine (verify asks the framework)."""
    if report.errors and not (refusal and report.refused is not None):
        raise ExportError(f"cannot {what} an invalid network: {report.errors[0].message}")
    if not report.layers and report.refused is None:
        raise ExportError(f"cannot {what} a network without layers")
    symbols = unbound_symbols(report)
    if symbols:
        example = " ".join(f"--set {s}=..." for s in symbols)
        raise ExportError(f"cannot {what} a symbolic network: bind {', '.join(symbols)} "
                          f"(with `let` in the spec or {example})")


def export(report: NetworkReport, to: str = PYTORCH, *, name: str | None = None) -> str:
    """The code of the network in ``to`` ("pytorch" or "keras"), which must be the spec's
    convention. ``name`` is the class (PyTorch) or model (Keras) name; by default it is
    derived from the spec's file name."""
    if to not in TARGETS:
        raise ExportError(f"unknown target {to!r}; choose pytorch or keras")
    if to != report.convention:
        raise ExportError(f"the spec is in the {report.convention} convention; it can only "
                          f"be exported to {report.convention} (layers are not translated "
                          "between frameworks)")
    require_concrete(report, "export")
    names = _Names()
    if to == PYTORCH:
        return _pytorch(report, names, _class_name(name or report.path))
    return _keras(report, names, _model_name(name or report.path))


# -- names ------------------------------------------------------------------------------

class _Names:
    """Python identifiers for the spec's tensor and layer names: unique, not keywords,
    not shadowing what the generated file uses."""

    def __init__(self) -> None:
        self.assigned: dict[str, str] = {}
        self.used: set[str] = set()

    def __call__(self, name: str) -> str:
        if name in self.assigned:
            return self.assigned[name]
        base = re.sub(r"\W", "_", name) or "tensor"
        if base[0].isdigit():
            base = f"_{base}"
        if keyword.iskeyword(base) or base in RESERVED:
            base = f"{base}_"
        candidate, count = base, 1
        while candidate in self.used:
            candidate, count = f"{base}_{count}", count + 1
        self.used.add(candidate)
        self.assigned[name] = candidate
        return candidate


def _stem(path: str) -> str:
    stem = re.split(r"[\\/]", path or "")[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return stem if re.search(r"[A-Za-z]", stem) and not stem.startswith("<") else ""


def _class_name(path_or_name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", _stem(path_or_name) or "network")
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Network"
    return f"Net{name}" if name[0].isdigit() else name


def _model_name(path_or_name: str) -> str:
    name = re.sub(r"\W", "_", _stem(path_or_name) or "network").strip("_") or "network"
    return name if not name[0].isdigit() else f"model_{name}"


# rows of tensor functions (shapecalc.interpret.tensors): verify calls them again by name,
# export writes the call
TORCH_BINARY = {"matmul", "mm", "bmm", "div", "floor_divide", "remainder", "pow", "maximum",
                "minimum", "where", "gather"}
TENSOR_FUNCTIONS = TORCH_BINARY | {
    "view", "reshape", "permute", "transpose", "t", "movedim", "unsqueeze", "squeeze",
    "expand", "repeat", "expand_as", "view_as", "chunk", "split", "unbind", "narrow", "mean",
    "sum", "amax", "amin", "prod", "std", "var", "norm", "logsumexp", "argmax", "argmin",
    "max", "min", "topk", "getitem", "stack", "einsum", "pad", "linear",
    "scaled_dot_product_attention", "affine_grid", "grid_sample", "one_hot"}
FUNCTIONAL_ROWS = {"pad", "linear", "scaled_dot_product_attention", "affine_grid",
                   "grid_sample", "one_hot"}
PARAMETER_ROWS = {"Parameter", "Buffer"}


# -- values -----------------------------------------------------------------------------

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def render_value(value: object, rename=lambda dotted: dotted) -> str:
    """A Python literal for an evaluated argument; references are written back as code,
    their dotted names passed through ``rename``."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, Fraction):
        return f"{value.numerator} / {value.denominator}"
    if isinstance(value, (int, float, str)):
        return repr(value)
    if isinstance(value, tuple):
        items = [render_value(v, rename) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, Reference):
        if value.node is None:
            if not _DOTTED.fullmatch(value.text):  # code shapecalc did not evaluate
                raise ExportError(f"cannot write `{value.text}` as code: shapecalc did not "
                                  "evaluate it")
            return rename(_framework_name(value.text))
        return render_node(value.node, rename)
    if value is Ellipsis:
        return "..."
    if isinstance(value, slice):
        return "slice(" + ", ".join(render_value(v) for v in
                                    (value.start, value.stop, value.step)) + ")"
    raise ExportError(f"cannot write the value {value!r} as code")


def _framework_name(dotted: str) -> str:
    """A referenced name, written back only when it is the frameworks' own (``nn.GELU``,
    ``regularizers.l2``): any other name would be code from elsewhere."""
    bare_layer = (KERAS, dotted) in REGISTRY or (PYTORCH, dotted) in REGISTRY  # LSTM(64)
    if dotted.split(".")[0] not in FRAMEWORK_MODULES and not bare_layer:
        raise ExportError(f"cannot write `{dotted}` as code: it is not a name of PyTorch or "
                          "Keras (shapecalc writes only the frameworks' names and the values "
                          "it evaluated)")
    return dotted


def render_node(node: object, rename=lambda dotted: dotted) -> str:
    """A syntax node as code (a nested constructor such as ``LSTM(64)``)."""
    if isinstance(node, (S.Number, S.String, S.Constant)):
        return repr(node.value)
    if isinstance(node, S.Name):
        return rename(_framework_name(node.dotted))
    if isinstance(node, S.Sequence):
        items = [render_node(i, rename) for i in node.items]
        if node.kind == "list":
            return f"[{', '.join(items)}]"
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(node, S.UnaryOp):
        return f"{node.op}{render_node(node.operand, rename)}"
    if isinstance(node, S.BinaryOp):
        return (f"({render_node(node.left, rename)} {node.op} "
                f"{render_node(node.right, rename)})")
    if isinstance(node, S.Call):
        args = [render_node(a, rename) for a in node.args]
        args += [f"{k.name}={render_node(k.value, rename)}" for k in node.keywords]
        return f"{render_node(node.func, rename)}({', '.join(args)})"
    raise ExportError("cannot write this expression as code")


def _arguments(layer: LayerReport, framework: str, skip=(), rename=lambda d: d) -> str:
    """``3, 64, kernel_size=3``: the leading required arguments by position, the rest by
    keyword, in the signature's order."""
    if layer.type == "Identity":
        return ""  # nn.Identity ignores whatever it is given
    given = dict(layer.arguments)
    rule = REGISTRY.get((framework, layer.type))
    order = [n for n, _ in rule.signature.positional + rule.signature.keyword_only] if rule \
        else list(given)
    required = {n for n, d in rule.signature.positional if d is REQUIRED} if rule else set()
    parts, positional = [], True
    for name in order + [n for n in given if n not in order]:
        if name not in given or name in skip:
            continue
        text = render_value(given[name], rename)
        positional = positional and name in required
        parts.append(text if positional else f"{name}={text}")
    return ", ".join(parts)


# -- PyTorch ----------------------------------------------------------------------------

def _returns_tuple(layer: LayerReport) -> bool:
    return layer.type in TUPLE_OUTPUTS or dict(layer.arguments).get("return_indices") is True


def _pytorch(report: NetworkReport, names: _Names, class_name: str) -> str:
    input_names = [names(n) for n, _ in report.inputs]
    modules = [layer for layer in report.layers if layer.type not in MERGE_OPERATORS
               and layer.type != "cat" and layer.type not in TENSOR_FUNCTIONS
               and layer.type not in PARAMETER_ROWS]
    lines = ['"""' f"{class_name}: generated by shapecalc from {report.path}." '"""', "",
             "import torch", "from torch import nn", "", "",
             f"class {class_name}(nn.Module):", "    def __init__(self):",
             "        super().__init__()"]
    for layer in modules:
        lines.append(f"        self.{names(layer.name)} = "
                     f"nn.{layer.type}({_arguments(layer, PYTORCH)})")
    for layer in report.layers:
        if layer.type == "Parameter":
            lines.append(f"        self.{names(layer.name)} = "
                         f"nn.Parameter(torch.zeros({_dims(layer.output_shape)}))")
        elif layer.type == "Buffer":
            lines.append(f"        self.register_buffer({names(layer.name)!r}, "
                         f"torch.zeros({_dims(layer.output_shape)}))")
    lines += ["", f"    def forward(self, {', '.join(input_names)}):"]
    for name, shape, dtype in report.constants:  # tensors the code made
        kind = ", dtype=torch.long" if dtype == "int" else ""
        lines.append(f"        {names(name)} = torch.zeros({_dims(shape)}{kind}, "
                     f"device={input_names[0]}.device)")
    block = ""
    for layer in report.layers:
        if layer.block != block:
            block = layer.block
            if block:
                lines.append(f"        # {block}")
        if layer.type in PARAMETER_ROWS:
            lines.append(f"        {names(layer.name)} = self.{names(layer.name)}")
        elif layer.inputs or layer.type in TENSOR_FUNCTIONS:
            lines.append(f"        {names(layer.name)} = {_torch_expression(layer, names)}")
    computed = [layer for layer in report.layers if layer.type not in PARAMETER_ROWS and
                (layer.inputs or layer.type in TENSOR_FUNCTIONS)]
    lines.append(f"        return {names(computed[-1].name)}")
    lines += ["", "", 'if __name__ == "__main__":', f"    model = {class_name}()"]
    indices = integer_inputs(report)
    for (name, shape), variable in zip(report.inputs, input_names):
        dims = ", ".join(str(d) for d in shape)
        if name in indices:  # indices for an Embedding or F.one_hot
            lines.append(f"    {variable} = torch.zeros(({dims}{',' if len(shape) == 1 else ''}),"
                         " dtype=torch.long)")
        else:
            lines.append(f"    {variable} = torch.randn({dims})")
    lines += ["    model.train(False)", "    with torch.no_grad():",
              f"        output = model({', '.join(input_names)})",
              "    print(tuple(output.shape))"]
    return "\n".join(lines) + "\n"


def _dims(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _tensor_function(layer: LayerReport, inputs: list[str]) -> str:
    """A tensor function's row as the call that makes it."""
    recorded = dict(layer.arguments)
    args = [render_value(a) for a in recorded.get("args", ())]
    kwargs = dict(recorded.get("kwargs", ()))
    piece = kwargs.pop("_piece", None)
    args += [f"{k}={render_value(v)}" for k, v in kwargs.items()]
    kind = layer.type
    if kind == "getitem":
        key = recorded.get("args", ((),))[0]
        items = key if isinstance(key, tuple) else (key,)
        code = f"{inputs[0]}[{', '.join(_index(i) for i in items) or '()'}]"
    elif kind == "stack":
        code = f"torch.stack([{', '.join(inputs)}], {', '.join(args)})"
    elif kind == "einsum":
        code = f"torch.einsum({', '.join(args + inputs)})"
    elif kind in FUNCTIONAL_ROWS:
        code = f"nn.functional.{kind}({', '.join(inputs + args)})"
        if kind == "one_hot":
            code += ".float()"  # the code's own cast (.type(torch.float32)) makes no row
    elif kind in TORCH_BINARY:
        code = f"torch.{kind}({', '.join(inputs)})"
    else:
        target = f"{inputs[0]}.contiguous()" if kind == "view" else inputs[0]
        code = f"{target}.{kind}({', '.join(inputs[1:] + args)})"
    if piece is not None:
        return f"{code}[{piece}]"
    paired = kind == "topk" or (kind in ("max", "min") and (recorded.get("args") or "dim" in kwargs))
    return f"{code}[0]" if paired else code  # (values, indices): the values


def _index(item) -> str:
    if isinstance(item, slice):
        return ":".join("" if v is None else render_value(v)
                        for v in (item.start, item.stop, item.step)).rstrip(":") or ":"
    return render_value(item)


def _torch_expression(layer: LayerReport, names: _Names) -> str:
    inputs = [names(n) for n in layer.inputs]
    if layer.type in TENSOR_FUNCTIONS:
        return _tensor_function(layer, inputs)
    if layer.type in MERGE_OPERATORS:
        return f" {MERGE_OPERATORS[layer.type]} ".join(inputs)
    if layer.type == "cat":
        return f"torch.cat([{', '.join(inputs)}], dim={dict(layer.arguments).get('dim', 0)})"
    if layer.type == "MultiheadAttention" and len(inputs) == 1:
        inputs = inputs * 3
    call = f"self.{names(layer.name)}({', '.join(inputs)})"
    return f"{call}[0]" if _returns_tuple(layer) else call


def integer_inputs(report: NetworkReport) -> set[str]:
    """Inputs that hold indices: declared so (`int64`), or, their dtype unstated, read by an
    Embedding or F.one_hot, directly or through tensor functions (X.T, x.view(...))."""
    declared = dict(report.input_dtypes)
    made = {layer.name: layer for layer in report.layers}
    wanted = [n for layer in report.layers if layer.type in INDEX_READERS for n in layer.inputs]
    wanted = [n for n in wanted if n not in declared]
    found: set[str] = {name for name, dtype in declared.items() if dtype == "int"}
    while wanted:
        name = wanted.pop()
        if name in found:
            continue
        found.add(name)
        row = made.get(name)
        if row is not None and row.type in TENSOR_FUNCTIONS:
            wanted.extend(row.inputs)
    return found


INDEX_READERS = {"Embedding", "one_hot"}


# -- Keras ------------------------------------------------------------------------------

def _keras_rename(dotted: str) -> str:
    """Keras 3 spelling of a referenced name: layers.X for any layer prefix or bare layer
    name, keras.X for tf.keras.X."""
    parts = dotted.split(".")
    for prefix in (["tensorflow", "keras", "layers"], ["tf", "keras", "layers"],
                   ["keras", "layers"]):
        if parts[:len(prefix)] == prefix and len(parts) > len(prefix):
            return ".".join(["layers", *parts[len(prefix):]])
    if parts[:2] in (["tf", "keras"], ["tensorflow", "keras"]) and len(parts) > 2:
        return ".".join(["keras", *parts[2:]])
    if len(parts) == 1 and (KERAS, dotted) in REGISTRY:
        return f"layers.{dotted}"
    return dotted


def _keras_imports(report: NetworkReport) -> list[str]:
    heads: set[str] = set()

    def note(dotted: str) -> str:
        renamed = _keras_rename(dotted)
        heads.add(renamed.split(".")[0])
        return renamed

    for layer in report.layers:
        for _, value in layer.arguments:
            _walk_references(value, note)
    lines = ["import keras", "from keras import layers"]
    lines += [f"from keras import {h}" for h in sorted(heads & KERAS_MODULES)]
    if "tf" in heads:
        lines.insert(0, "import tensorflow as tf")
    unknown = sorted(heads - KERAS_MODULES - {"keras", "layers", "tf"})
    if unknown:
        lines.append(f"# defined in the spec's code, not here: {', '.join(unknown)}")
    return lines


def _walk_references(value: object, note) -> None:
    if isinstance(value, tuple):
        for item in value:
            _walk_references(item, note)
    elif isinstance(value, Reference):
        render_value(value, note)


def _keras(report: NetworkReport, names: _Names, model_name: str) -> str:
    lines = ['"""' f"{model_name}: generated by shapecalc from {report.path}." '"""', "",
             *_keras_imports(report), "", "", "def build_model():"]
    input_names = []
    for name, shape in report.inputs:
        variable = names(name)
        input_names.append(variable)
        batch = "" if shape[0] is None else f", batch_size={shape[0]}"
        lines.append(f"    {variable} = keras.Input(shape={render_value(tuple(shape[1:]))}"
                     f"{batch}, name={name!r})")
    block = ""
    for layer in report.layers:
        if layer.block != block:
            block = layer.block
            if block:
                lines.append(f"    # {block}")
        arguments = _arguments(layer, KERAS, skip=KERAS_INPUT_ARGUMENTS | {"name"},
                               rename=_keras_rename)
        arguments = f"{arguments}, name={layer.name!r}" if arguments else f"name={layer.name!r}"
        inputs = [names(n) for n in layer.inputs]
        if layer.type in KERAS_LIST_MERGES:
            applied = f"[{', '.join(inputs)}]"
        elif layer.type == "MultiHeadAttention":
            applied = ", ".join(inputs * 2 if len(inputs) == 1 else inputs)  # (query, value)
        else:
            applied = ", ".join(inputs)
        lines.append(f"    {names(layer.name)} = layers.{layer.type}({arguments})({applied})")
    model_inputs = input_names[0] if len(input_names) == 1 else f"[{', '.join(input_names)}]"
    lines += [f"    return keras.Model(inputs={model_inputs}, "
              f"outputs={names(report.layers[-1].name)}, name={model_name!r})", "", "",
              'if __name__ == "__main__":', "    model = build_model()",
              "    model.summary()", "    print(model.output_shape)"]
    return "\n".join(lines) + "\n"
