"""What spec code can name and do: builtins, the frameworks' namespaces, attributes,
items, arithmetic, iteration, and applying modules.

Every name a program can reach is listed here: ``len``, ``range``, ``math.ceil``,
``torch.cat``, ``nn.Conv2d``, ``layers.Dense``, ``keras.Model``... A name the frameworks
have that shapecalc does not know is an ``Opaque`` value: harmless until the code needs a
number or applies it to a tensor, where it is refused with its name.
"""

from __future__ import annotations

import ast
import math
import re
import string as _string
from fractions import Fraction

from shapecalc import algebra
from shapecalc.errors import SpecError
from shapecalc.interpret import tensors
from shapecalc.interpret.modules import Container, FunctionalModel, Instance, LayerModule, Module
from shapecalc.interpret.values import (BoundMethod, Builtin, FrameworkBase, Function, Namespace,
                                        Opaque, Parameter, Tensor, Unbound, UserClass,
                                        concrete)
from shapecalc.layers.base import KERAS, PYTORCH, REGISTRY, Argument, bind
from shapecalc.spec import syntax as S
from shapecalc.spec.evaluate import Evaluator, Reference

MAX_STRING = 100_000


class LayerClass:
    """A framework layer class not yet constructed: ``nn.Conv2d``, ``layers.Dense``."""

    def __init__(self, rule, dotted: str) -> None:
        self.rule = rule
        self.dotted = dotted

    def __repr__(self) -> str:
        return self.dotted


class UnknownLayer:
    """A framework class shapecalc has no rule for (``nn.CrossEntropyLoss``): it may be
    constructed, and is refused only when applied to a tensor."""

    def __init__(self, dotted: str, framework: str) -> None:
        self.dotted = dotted
        self.framework = framework


def builtin(name: str):
    def decorate(fn):
        fn.builtin_name = name
        return fn

    return decorate


# -- the namespaces --------------------------------------------------------------------


class Library:
    def __init__(self, interp) -> None:
        self.interp = interp
        convention = interp.convention
        self.namespaces = _namespaces()
        self.builtins = {name: Builtin(name, fn) for name, fn in _BUILTINS.items()}
        self.convention = convention

    def global_name(self, name: str, namespaces: bool = True):
        """A name no assignment or import bound. ``namespaces``: the spec language's
        import-free `nn`, `F`, `layers`... (only before a dot: a bare `F` is a symbol)."""
        if name in self.builtins:
            return self.builtins[name]
        if name in _SPEC_GLOBALS:
            return self.namespaces[_SPEC_GLOBALS[name]] if namespaces else None
        convention = self.interp.convention
        if name[:1].isupper():  # a bare layer name: the convention's, else the other's
            rule = REGISTRY.get((convention, name)) or REGISTRY.get(
                (KERAS if convention == PYTORCH else PYTORCH, name))
            if rule is not None:
                return LayerClass(rule, name)
        if name in ("Sequential", "Model", "Input", "InputLayer", "ModuleList", "ModuleDict",
                    "Parameter"):
            space = "nn" if convention == PYTORCH else "keras"
            return self.namespaces[space].lookup(name)
        return None

    def module(self, dotted: str) -> Namespace:
        key = _MODULE_ALIASES.get(dotted, dotted)
        if key in self.namespaces:
            return self.namespaces[key]
        return Namespace(dotted, lambda member, dotted=dotted: Opaque(f"{dotted}.{member}"))

    def claimable(self, shape: tuple) -> bool:
        """A tensor made at the top level is the model's input unless an `input:` line
        declares another shape (then it is the notebook's own tensor)."""
        headers = [t for _, t in self.interp.header_inputs if not getattr(t, "claimed", False)]
        return not headers or any(_same_shape(t.shape, shape) for t in headers)

    def member(self, module: Namespace, name: str, node):
        submodule = f"{module.name}.{name}"  # from d2l import torch as d2l
        if _MODULE_ALIASES.get(submodule, submodule) in self.namespaces:
            return self.module(submodule)
        found = module.lookup(name)
        return Opaque(f"{module.name}.{name}") if found is None else found


def _namespaces() -> dict[str, Namespace]:
    spaces: dict[str, Namespace] = {}

    def space(name: str, members: dict, fallback=None) -> Namespace:
        def lookup(member: str):
            if member in members:
                value = members[member]
                return spaces[value[1:]] if isinstance(value, str) and \
                    value.startswith("@") else value
            return fallback(member) if fallback else None

        spaces[name] = Namespace(name, lookup)
        return spaces[name]

    def layers_of(framework: str, prefix: str):
        def lookup(member: str):
            rule = REGISTRY.get((framework, member))
            if rule is not None:
                return LayerClass(rule, f"{prefix}.{member}")
            if member[:1].isupper():
                return UnknownLayer(f"{prefix}.{member}", framework)
            return None

        return lookup

    nn_members = {
        "Module": FrameworkBase(PYTORCH, "Module", "module"),
        "Sequential": Builtin("nn.Sequential", _torch_container("Sequential")),
        "ModuleList": Builtin("nn.ModuleList", _torch_container("ModuleList")),
        "ModuleDict": Builtin("nn.ModuleDict", _torch_container("ModuleDict")),
        "Parameter": Builtin("nn.Parameter", _parameter),
        "functional": "@F", "init": "@init", "utils": "@opaque",
    }
    space("nn", nn_members, layers_of(PYTORCH, "nn"))
    space("F", {name: Builtin(f"F.{name}", fn) for name, fn in tensors.FUNCTIONAL.items()},
          lambda member: Opaque(f"F.{member}"))
    space("init", {}, lambda member: Builtin(f"nn.init.{member}", _ignored))
    space("opaque", {}, lambda member: Opaque(member))
    torch_members = {name: Builtin(f"torch.{name}", fn) for name, fn in tensors.TORCH.items()}
    torch_members.update({
        "nn": "@nn", "Tensor": FrameworkBase(PYTORCH, "Tensor", "plain"),
        "jit": "@jit", "cuda": "@cuda", "device": Builtin("torch.device", _opaque_call),
        "no_grad": Builtin("torch.no_grad", _opaque_call),
        "Size": Builtin("torch.Size", lambda i, a, k, n: tuple(a[0]) if a else ()),
        "_assert": Builtin("torch._assert", _ignored), "manual_seed": Builtin("seed", _ignored),
        "float32": "float32", "float": "float32", "float16": "float16", "bfloat16": "bfloat16",
        "float64": "float64", "long": "int64", "int64": "int64", "int32": "int32",
        "int": "int32", "bool": "bool", "uint8": "uint8",
    })
    space("torch", torch_members, lambda member: Opaque(f"torch.{member}"))
    space("jit", {"is_scripting": Builtin("is_scripting", lambda i, a, k, n: False),
                  "is_tracing": Builtin("is_tracing", lambda i, a, k, n: False)},
          lambda member: Builtin(f"torch.jit.{member}", _ignored))
    space("cuda", {"is_available": Builtin("is_available", lambda i, a, k, n: False),
                   "device_count": Builtin("device_count", lambda i, a, k, n: 0)},
          lambda member: Opaque(f"torch.cuda.{member}"))
    layer_functions = {name: Builtin(f"layers.{name}", fn)
                       for name, fn in tensors.KERAS_FUNCTIONS.items()}
    layer_functions["Input"] = Builtin("keras.Input", _keras_input)
    layer_functions["Layer"] = FrameworkBase(KERAS, "Layer", "keras")
    layer_functions["InputLayer"] = Builtin("layers.InputLayer", _keras_input_layer)
    space("layers", layer_functions, layers_of(KERAS, "layers"))
    models = {"Sequential": Builtin("keras.Sequential", _keras_sequential),
              "Model": Builtin("keras.Model", _keras_model)}
    space("models", models, lambda member: Opaque(f"keras.models.{member}"))
    keras_members = {
        **models, "Input": Builtin("keras.Input", _keras_input), "layers": "@layers",
        "models": "@models", "ops": "@ops", "backend": "@ops",
        "activations": "@opaque", "regularizers": "@opaque", "initializers": "@opaque",
        "optimizers": "@opaque", "losses": "@opaque", "metrics": "@opaque",
        "callbacks": "@opaque", "utils": "@opaque", "applications": "@opaque",
        "random": "@tfrandom",
    }
    space("keras", keras_members, lambda member: Opaque(f"keras.{member}"))
    space("ops", {name: Builtin(f"ops.{name}", fn) for name, fn in tensors.KERAS_OPS.items()},
          lambda member: Opaque(f"keras.ops.{member}"))
    tf_members = {name: Builtin(f"tf.{name}", fn) for name, fn in tensors.TF.items()}
    tf_members.update({"keras": "@keras", "nn": "@tfnn", "math": "@tfnn", "random": "@tfrandom",
                       "float32": "float32", "int32": "int32", "int64": "int64"})
    space("tf", tf_members, lambda member: Opaque(f"tf.{member}"))
    space("tfnn", {name: Builtin(f"tf.nn.{name}", fn) for name, fn in tensors.TF.items()},
          lambda member: Opaque(f"tf.nn.{member}"))
    space("tfrandom", {"normal": Builtin("tf.random.normal", tensors.TF["random_normal"]),
                       "uniform": Builtin("tf.random.uniform", tensors.TF["random_normal"])},
          lambda member: Opaque(f"tf.random.{member}"))
    space("math", {name: Builtin(f"math.{name}", fn) for name, fn in _MATH.items()} |
          {"pi": math.pi, "e": math.e, "inf": math.inf}, None)
    space("collections", {"OrderedDict": Builtin("OrderedDict", _dict),
                          "namedtuple": Builtin("namedtuple", _namedtuple),
                          "defaultdict": Builtin("defaultdict", lambda i, a, k, n: {})}, None)
    space("functools", {"partial": Builtin("partial", _partial),
                        "reduce": Builtin("reduce", _functools_reduce)},
          lambda member: Opaque(f"functools.{member}"))
    space("copy", {"deepcopy": Builtin("deepcopy", _deepcopy),
                   "copy": Builtin("copy", _deepcopy)}, None)
    space("einops", {name: Builtin(f"einops.{name}", fn)
                     for name, fn in tensors.EINOPS.items()},
          lambda member: Opaque(f"einops.{member}"))
    space("einops_layers", {"Rearrange": Builtin("Rearrange", tensors.einops_layer("rearrange")),
                            "Reduce": Builtin("Reduce", tensors.einops_layer("reduce"))}, None)
    add_to_class = Builtin("d2l.add_to_class", _add_to_class)
    add_to_class.decorator = True
    space("d2l", {"Module": FrameworkBase(PYTORCH, "Module", "net"),
                  "Classifier": FrameworkBase(PYTORCH, "Classifier", "net"),
                  "HyperParameters": FrameworkBase(PYTORCH, "HyperParameters", "plain"),
                  "add_to_class": add_to_class},
          lambda member: Opaque(f"d2l.{member}"))
    space("inspect", {"currentframe": Builtin("currentframe", _currentframe),
                      "getargvalues": Builtin("getargvalues", _getargvalues)},
          lambda member: Opaque(f"inspect.{member}"))
    space("string", {"ascii_letters": _string.ascii_letters, "ascii_lowercase":
                     _string.ascii_lowercase, "ascii_uppercase": _string.ascii_uppercase,
                     "digits": _string.digits, "punctuation": _string.punctuation},
          lambda member: Opaque(f"string.{member}"))
    space("argparse", {"ArgumentParser": Builtin("ArgumentParser", _argument_parser),
                       "Namespace": Builtin("Namespace", _simple_namespace)},
          lambda member: Opaque(f"argparse.{member}"))
    space("types", {"SimpleNamespace": Builtin("SimpleNamespace", _simple_namespace)},
          lambda member: Opaque(f"types.{member}"))
    space("typing", {"cast": Builtin("typing.cast", lambda i, a, k, n: a[1]),
                     **{name: Builtin(f"typing.{name}", _opaque_call) for name in (
                         "Sequence", "List", "Tuple", "Iterable", "MutableSequence")}},
          lambda member: Opaque(f"typing.{member}"))
    numpy = {name: Builtin(f"np.{name}", fn) for name, fn in _MATH.items()}
    numpy.update({"prod": Builtin("np.prod", _MATH["prod"]), "sum": Builtin("np.sum", _sum),
                  "pi": math.pi, "inf": math.inf})
    space("numpy", numpy, lambda member: Opaque(f"np.{member}"))
    return spaces


_MODULE_ALIASES = {
    "torch.nn": "nn", "torch.nn.functional": "F", "torch.nn.init": "init",
    "tensorflow": "tf", "tensorflow.keras": "keras", "tf.keras": "keras",
    "keras.layers": "layers", "tensorflow.keras.layers": "layers", "tf.keras.layers": "layers",
    "keras.models": "models", "tensorflow.keras.models": "models", "keras.ops": "ops",
    "keras.backend": "ops", "tensorflow.keras.backend": "ops",
    "einops.layers.torch": "einops_layers", "einops.layers.keras": "einops_layers",
    "einops.layers.tensorflow": "einops_layers", "torch.jit": "jit",
    "typing_extensions": "typing", "torch.cuda": "cuda", "np": "numpy",
    "collections.abc": "typing", "d2l.torch": "d2l", "d2l.tensorflow": "d2l",
}
# names the spec language knows without an import
_SPEC_GLOBALS = {"nn": "nn", "torch": "torch", "F": "F", "layers": "layers", "keras": "keras",
                 "tf": "tf", "math": "math", "OrderedDict": "collections"}
_SPEC_GLOBALS_MEMBERS = {"OrderedDict"}


def detect_convention(module) -> str | None:
    """The framework the code imports or names first."""
    if module is None:
        return None
    for node in ast.walk(module):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        for name in names:
            root = name.split(".")[0]
            if root == "torch":
                return PYTORCH
            if root in ("keras", "tensorflow"):
                return KERAS
    for node in ast.walk(module):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("nn", "torch", "F"):
                return PYTORCH
            if node.value.id in ("layers", "keras", "tf"):
                return KERAS
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in ("Input", "InputLayer"):
                return KERAS
            owners = {fw for fw in (PYTORCH, KERAS) if (fw, name) in REGISTRY}
            if len(owners) == 1:
                return owners.pop()
    return None


# -- builtins ----------------------------------------------------------------------------


def _ignored(interp, args, kwargs, node):
    return None


def _opaque_call(interp, args, kwargs, node):
    return Opaque(interp.text(node))


def _len(interp, args, kwargs, node):
    (value,) = _exactly(interp, args, 1, "len", node)
    if isinstance(value, (str, tuple, list, dict, range)):
        return len(value)
    if isinstance(value, Container):
        return len(value.items)
    if isinstance(value, Instance):
        return len(value.children())
    if isinstance(value, (Tensor, Parameter)):
        return tensors.as_tensor(interp, value, node).shape[0]
    raise interp.error(f"object of type {describe(value)} has no len()", node)


def _exactly(interp, args, n, name, node):
    if len(args) != n:
        raise interp.error(f"{name}() takes exactly {n} argument(s) ({len(args)} given)", node)
    return args


def _range(interp, args, kwargs, node):
    args = concrete(list(args))
    if not 1 <= len(args) <= 3:
        raise interp.error(f"range expected 1 to 3 arguments, got {len(args)}", node)
    for value in args:
        if type(value) is not int and not isinstance(value, bool):
            if algebra.is_symbolic(value) and not isinstance(value, (Module, Opaque)):
                raise interp.error(f"range() needs a known count, got {value}: bind it "
                                   "(let or --set)", node)
            raise interp.error(f"range() takes integers, got {describe(value)}", node)
    result = range(*args)
    if len(result) > 1_000_000:
        raise interp.error(f"range of {len(result):,} items is more than shapecalc follows",
                           node)
    return result


def _int(interp, args, kwargs, node):
    args = concrete(list(args))
    if not args:
        return 0
    value = args[0]
    if isinstance(value, str):
        if len(args) > 1 or not re.fullmatch(r"\s*[-+]?\d{1,1000}\s*", value):
            raise interp.error(f"invalid literal for int(): {value!r}", node)
        return int(value)
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            raise interp.error(f"cannot convert float {value} to integer", node)
        return int(value)
    if isinstance(value, (bool, int)):
        return int(value)
    if isinstance(value, Fraction):
        return int(value)
    if algebra.is_symbolic(value) and _is_expr(value):
        from shapecalc.symbolic import expr

        import sympy

        return sympy.floor(expr(value)) if not expr(value).is_integer else value
    raise interp.error(f"int() cannot convert {describe(value)}", node)


def _float(interp, args, kwargs, node):
    args = concrete(list(args))
    if not args:
        return 0.0
    value = args[0]
    if isinstance(value, str):
        if value.strip().lower() in ("inf", "-inf", "nan", "+inf"):
            return float(value)
        if not re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?\s*", value):
            raise interp.error(f"could not convert string to float: {value!r}", node)
        return float(value)
    if isinstance(value, (int, float, Fraction)):
        try:
            return float(value)
        except OverflowError:
            raise interp.error("number too large to convert to float", node) from None
    if _is_expr(value):
        return value
    raise interp.error(f"float() cannot convert {describe(value)}", node)


def _bool(interp, args, kwargs, node):
    return interp.truth(args[0], node) if args else False


def _str(interp, args, kwargs, node):
    return format_value(interp, args[0], "", node) if args else ""


def _list(interp, args, kwargs, node):
    return list(interp.iterate(args[0], node)) if args else []


def _tuple(interp, args, kwargs, node):
    return tuple(interp.iterate(args[0], node)) if args else ()


def _dict(interp, args, kwargs, node):
    result: dict = {}
    if args:
        source = args[0]
        if isinstance(source, dict):
            result.update(source)
        else:
            for pair in interp.iterate(source, node):
                key, value = _pair(interp, pair, node)
                result[hashable(interp, key, node)] = value
    result.update(kwargs)
    return result


def _pair(interp, pair, node):
    items = interp.iterate(pair, node)
    if len(items) != 2:
        raise interp.error("each item must be a (key, value) pair", node)
    return items


def _enumerate(interp, args, kwargs, node):
    start = kwargs.get("start", args[1] if len(args) > 1 else 0)
    return [(start + i, item) for i, item in enumerate(interp.iterate(args[0], node))]


def _zip(interp, args, kwargs, node):
    return list(zip(*(interp.iterate(a, node) for a in args)))


def _extreme(pick: str):
    def fn(interp, args, kwargs, node):
        args = concrete(list(args))
        items = list(interp.iterate(args[0], node)) if len(args) == 1 else list(args)
        if not items:
            if "default" in kwargs:
                return kwargs["default"]
            raise interp.error(f"{pick}() arg is an empty sequence", node)
        if any(isinstance(i, (Tensor, Parameter)) for i in items):
            raise interp.error(f"{pick}() of tensors: use torch.{pick}imum", node)
        key = kwargs.get("key")
        best = items[0]
        for item in items[1:]:
            a = interp.call(key, [item], {}, node, None) if key else item
            b = interp.call(key, [best], {}, node, None) if key else best
            if (pick == "max" and compare(interp, "Gt", a, b, node)) or \
                    (pick == "min" and compare(interp, "Lt", a, b, node)):
                best = item
        return best

    return fn


def _abs(interp, args, kwargs, node):
    args = concrete(list(args))
    value = args[0]
    if isinstance(value, (int, float, Fraction)):
        return abs(value)
    if _is_expr(value):
        return abs(value)
    raise interp.error(f"bad operand type for abs(): {describe(value)}", node)


def _sum(interp, args, kwargs, node):
    total = args[1] if len(args) > 1 else kwargs.get("start", 0)
    for item in interp.iterate(args[0], node):
        total = interp.binary("+", total, item, node)
    return total


def _round(interp, args, kwargs, node):
    args = concrete(list(args))
    value = args[0]
    digits = args[1] if len(args) > 1 else kwargs.get("ndigits")
    if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
        if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
            raise interp.error(f"cannot round {value}", node)
        return round(value) if digits is None else round(value, digits)
    if _is_expr(value) and digits is None:
        from shapecalc.symbolic import expr
        import sympy

        return sympy.floor(expr(value) + sympy.Rational(1, 2))
    raise interp.error(f"round() needs a number, got {describe(value)}", node)


def _isinstance(interp, args, kwargs, node):
    value, kinds = _exactly(interp, args, 2, "isinstance", node)
    kinds = kinds if isinstance(kinds, (tuple, list)) else (kinds,)
    return any(_is_instance(value, kind) for kind in kinds)


_TYPE_CHECKS = {
    "int": lambda v: (type(v) is int) or (_is_expr(v) and getattr(v, "is_integer", False)),
    "float": lambda v: isinstance(v, float), "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool), "list": lambda v: isinstance(v, list),
    "tuple": lambda v: isinstance(v, tuple), "dict": lambda v: isinstance(v, dict),
}


def _is_instance(value, kind) -> bool:
    if isinstance(kind, Builtin):
        if kind.name.startswith("typing.") and kind.name != "typing.cast":
            return isinstance(value, (list, tuple, Container))
        check = _TYPE_CHECKS.get(kind.name)
        if check is not None:
            return bool(check(value))
        if kind.name in ("nn.Sequential", "keras.Sequential"):
            return isinstance(value, Container) and value.kind == "Sequential"
        if kind.name in ("nn.ModuleList", "nn.ModuleDict"):
            return isinstance(value, Container) and value.kind == kind.name[3:]
        if kind.name == "nn.Parameter":
            return isinstance(value, Parameter)
        return False
    if isinstance(kind, LayerClass):
        return isinstance(value, LayerModule) and value.rule is kind.rule
    if isinstance(kind, UserClass):
        return isinstance(value, Instance) and kind in value.cls.mro()
    if isinstance(kind, FrameworkBase):
        if kind.name == "Tensor":
            return isinstance(value, (Tensor, Parameter))
        if isinstance(value, Instance):
            return kind in value.cls.framework_bases() or kind.name in ("Module", "Layer")
        return isinstance(value, Module) and kind.name in ("Module", "Layer")
    return False


def _getattr(interp, args, kwargs, node):
    if len(args) not in (2, 3):
        raise interp.error("getattr() takes 2 or 3 arguments", node)
    receiver, name = args[0], args[1]
    if not isinstance(name, str):
        raise interp.error("getattr(): attribute name must be a string", node)
    if len(args) == 3:
        try:
            return attribute(interp, receiver, name, node)
        except SpecError:
            return args[2]
    return attribute(interp, receiver, name, node)


def _hasattr(interp, args, kwargs, node):
    try:
        attribute(interp, args[0], args[1], node)
        return True
    except SpecError:
        return False


def _setattr(interp, args, kwargs, node):
    set_attribute(interp, args[0], args[1], args[2], node)


def _super(interp, args, kwargs, node):
    frame_self = None
    for qualname, _ in reversed(interp.call_stack):
        frame_self = qualname
        break
    # super() in a method: the class that defines the running method, and its `self`
    return _Super(interp, args, node)


class WeightRef(Opaque):
    """`layer.weight`: initialised, or tied to another layer (`decoder.weight =
    encoder.weight`), never a shape the code reads here."""

    def __init__(self, module: LayerModule, name: str) -> None:
        super().__init__(f"{module.source}.{name}")
        self.module = module
        self.name = name


def weight_shape(module: LayerModule, name: str) -> tuple | None:
    """The shape of a common layer's weight or bias, as PyTorch stores it."""
    args = {k: a.value for k, a in module.arguments.items()}
    kind = module.rule.name
    if kind == "Linear":
        return (args["out_features"], args["in_features"]) if name == "weight" else \
            (args["out_features"],)
    if kind.startswith(("Conv1d", "Conv2d", "Conv3d")) and "kernel_size" in args:
        rank = int(kind[4])
        kernel = args["kernel_size"] if isinstance(args["kernel_size"], tuple) else \
            (args["kernel_size"],) * rank
        if name == "bias":
            return (args["out_channels"],)
        return (args["out_channels"], algebra.floordiv(args["in_channels"], args["groups"]),
                *kernel)
    if kind == "Embedding" and name == "weight":
        return (args["num_embeddings"], args["embedding_dim"])
    if kind.startswith(("BatchNorm", "InstanceNorm")) and "num_features" in args:
        return (args["num_features"],)
    if kind == "LayerNorm":
        shape = args["normalized_shape"]
        return tuple(shape) if isinstance(shape, tuple) else (shape,)
    if kind == "GroupNorm":
        return (args["num_channels"],)
    return None


def _argument_parser(interp, args, kwargs, node):
    """argparse as a script pasted whole uses it: every option at its default."""
    defaults: dict = {}

    def add_argument(i, a, k, n):
        names = [x for x in a if isinstance(x, str)]
        option = next((x for x in names if x.startswith("--")), names[0] if names else "")
        dest = k.get("dest") or option.lstrip("-").replace("-", "_")
        action = k.get("action")
        default = k.get("default", False if action == "store_true" else
                        True if action == "store_false" else None)
        defaults[dest] = default
        return None

    def same(i, a, k, n):
        return parser

    members = {"add_argument": Builtin("add_argument", add_argument),
               "parse_args": Builtin("parse_args", lambda i, a, k, n: Namespace(
                   "args", lambda name: defaults.get(name))),
               "parse_known_args": Builtin("parse_known_args", lambda i, a, k, n: (
                   Namespace("args", lambda name: defaults.get(name)), [])),
               "add_argument_group": Builtin("add_argument_group", same),
               "add_mutually_exclusive_group": Builtin("group", same)}
    parser = Namespace("parser", lambda name: members.get(name) or Opaque(f"parser.{name}"))
    return parser


def _simple_namespace(interp, args, kwargs, node):
    members = dict(kwargs)
    return Namespace("namespace", members.get)


def _add_to_class(interp, args, kwargs, node):
    """d2l's @add_to_class(C): the decorated function becomes a method of C."""
    cls = args[0]

    def register(i, a, k, n):
        function = a[0]
        if isinstance(cls, UserClass) and isinstance(function, Function):
            function.owner = cls
            cls.namespace[function.name] = function
        return None

    return Builtin("add_to_class()", register)


class _FrameRef:
    """inspect.currentframe(): one of the running functions' frames (for d2l's
    save_hyperparameters, which reads its caller's arguments)."""

    def __init__(self, index: int) -> None:
        self.index = index


def _currentframe(interp, args, kwargs, node):
    return _FrameRef(len(interp.running) - 1)


def _getargvalues(interp, args, kwargs, node):
    frame = args[0]
    if not isinstance(frame, _FrameRef) or frame.index < 0:
        raise interp.error("inspect.getargvalues needs a frame", node)
    function, local = interp.running[frame.index]
    names = [a.arg for a in function.node.args.args]
    return (names, None, None, dict(local))


def save_hyperparameters(interp, instance, args, kwargs, node):
    """d2l's HyperParameters.save_hyperparameters: the calling __init__'s arguments become
    attributes of the instance."""
    ignore = set(kwargs.get("ignore", args[0] if args else ()) or ())
    for function, local in reversed(interp.running):
        if function.name == "__init__":
            for key, value in local.items():
                if key not in ignore and key != "self" and not key.startswith("_"):
                    instance.set(key, value)
            break
    return None


def _layer_summary(interp, instance, args, kwargs, node):
    """d2l's layer_summary(X_shape): each layer of self.net applied to a tensor of that
    shape. The model's input, when the spec declares none."""
    shape = tuple(interp.iterate(args[0], node))
    x = interp.header_inputs[0][1] if interp.header_inputs else (
        interp.code_inputs[0] if interp.code_inputs else code_input(interp, "X", tuple(
            size(interp, d, node) for d in shape), node))
    return interp.apply_module(instance, [x], {}, node, None)


class ParamHandle(Opaque):
    """An element of `model.parameters()`: setting its requires_grad freezes its layer."""

    def __init__(self, module: Module, name: str = "weight") -> None:
        super().__init__(f"{module.type_name}.{name}")
        self.module = module


class _Super:
    def __init__(self, interp, args, node) -> None:
        self.interp = interp
        self.args = args
        self.node = node


def _sorted(interp, args, kwargs, node):
    items = list(interp.iterate(args[0], node))
    if any(not isinstance(i, (int, float, str)) for i in items):
        raise interp.error("sorted() of symbolic values is not supported", node)
    return sorted(items, reverse=bool(kwargs.get("reverse", False)))


def _reversed(interp, args, kwargs, node):
    return list(reversed(interp.iterate(args[0], node)))


def _any(interp, args, kwargs, node):
    return any(interp.truth(v, node) for v in interp.iterate(args[0], node))


def _all(interp, args, kwargs, node):
    return all(interp.truth(v, node) for v in interp.iterate(args[0], node))


def _map(interp, args, kwargs, node):
    return [interp.call(args[0], list(items), {}, node, None)
            for items in zip(*(interp.iterate(a, node) for a in args[1:]))]


def _filter(interp, args, kwargs, node):
    test = args[0]
    return [v for v in interp.iterate(args[1], node)
            if interp.truth(v if test is None else interp.call(test, [v], {}, node, None), node)]


def _divmod(interp, args, kwargs, node):
    a, b = args
    return (interp.binary("//", a, b, node), interp.binary("%", a, b, node))


def _pow(interp, args, kwargs, node):
    return interp.binary("**", args[0], args[1], node)


def _callable(interp, args, kwargs, node):
    return isinstance(args[0], (Builtin, Function, BoundMethod, UserClass, Module, LayerClass))


def _type(interp, args, kwargs, node):
    value = args[0]
    if isinstance(value, Instance):
        return value.cls
    if isinstance(value, LayerModule):
        return LayerClass(value.rule, getattr(value, "dotted", value.rule.name))
    if isinstance(value, Container):
        return Builtin(value.kind, _opaque_call)
    for name in ("bool", "int", "float", "str", "list", "tuple", "dict"):
        if _TYPE_CHECKS[name](value):
            return interp.library.builtins[name]
    return Opaque(f"type({describe(value)})")


def _print(interp, args, kwargs, node):
    return None  # printing shows nothing here


class NamedTuple(tuple):
    """An instance of a namedtuple type the code made (GoogLeNetOutputs): a tuple whose
    items are also attributes."""

    fields: tuple = ()


def _namedtuple(interp, args, kwargs, node):
    names = args[1] if len(args) > 1 else kwargs.get("field_names", ())
    fields = tuple(names.replace(",", " ").split() if isinstance(names, str) else names)

    def make(i, a, k, n):
        values = list(a) + [k[f] for f in fields[len(a):] if f in k]
        if len(values) != len(fields):
            raise i.error(f"{args[0] if args else 'namedtuple'}() takes {len(fields)} "
                          f"values ({', '.join(fields)}), got {len(values)}", n)
        made = NamedTuple(values)
        made.fields = fields
        return made

    return Builtin(str(args[0]) if args else "namedtuple", make)


def _partial(interp, args, kwargs, node):
    func, bound_args = args[0], list(args[1:])

    def call(i, a, k, n):
        return i.call(func, [*bound_args, *a], {**kwargs, **k}, n, None)

    return Builtin(f"partial({describe(func)})", call)


def _functools_reduce(interp, args, kwargs, node):
    items = list(interp.iterate(args[1], node))
    value = args[2] if len(args) > 2 else items.pop(0)
    for item in items:
        value = interp.call(args[0], [value, item], {}, node, None)
    return value


def _deepcopy(interp, args, kwargs, node):
    return clone(args[0])


def clone(value):
    """A copy of a module with fresh weights (copy.deepcopy of a layer, as transformer
    code clones its layers)."""
    if isinstance(value, LayerModule):
        return LayerModule(value.rule, dict(value.arguments), value.span, value.source)
    if isinstance(value, Container):
        items = {k: clone(v) for k, v in value.items.items()} if isinstance(value.items, dict) \
            else [clone(v) for v in value.items]
        return Container(value.kind, value.framework, items, value.span, value.source)
    if isinstance(value, Instance):
        copy = Instance(value.cls, value.framework)
        for key, item in value.attrs.items():
            copy.set(key, clone(item))
        return copy
    if isinstance(value, Parameter):
        return Parameter(value.tensor, value.kind)
    if isinstance(value, list):
        return [clone(v) for v in value]
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    return value


_BUILTINS = {
    "len": _len, "range": _range, "int": _int, "float": _float, "bool": _bool, "str": _str,
    "list": _list, "tuple": _tuple, "dict": _dict, "set": _list, "frozenset": _tuple,
    "enumerate": _enumerate, "zip": _zip, "max": _extreme("max"), "min": _extreme("min"),
    "abs": _abs, "sum": _sum, "round": _round, "isinstance": _isinstance,
    "getattr": _getattr, "hasattr": _hasattr, "setattr": _setattr, "super": _super,
    "sorted": _sorted, "reversed": _reversed, "any": _any, "all": _all, "map": _map,
    "filter": _filter, "divmod": _divmod, "pow": _pow, "callable": _callable, "type": _type,
    "print": _print, "object": _ignored, "iter": _list, "repr": _str, "format": _str,
    "ValueError": _opaque_call, "TypeError": _opaque_call, "NotImplementedError": _opaque_call,
    "RuntimeError": _opaque_call, "Exception": _opaque_call, "AssertionError": _opaque_call,
    "KeyError": _opaque_call, "IndexError": _opaque_call, "NotImplemented": _opaque_call,
}


def _math_function(fn, name):
    def call(interp, args, kwargs, node):
        values = [_number(interp, a, name, node) for a in args]
        if any(_is_expr(v) for v in values):
            from shapecalc.symbolic import expr
            import sympy

            symbolic = {"ceil": sympy.ceiling, "floor": sympy.floor, "sqrt": sympy.sqrt,
                        "log2": lambda v: sympy.log(v, 2), "log": sympy.log}
            if name in symbolic:
                return symbolic[name](*(expr(v) for v in values))
            raise interp.error(f"math.{name} of a symbolic value is not supported", node)
        try:
            return fn(*values)
        except (ValueError, OverflowError, TypeError) as error:
            raise interp.error(f"math.{name}: {error}", node) from None

    return call


def _number(interp, value, name, node):
    value = concrete(value)
    if isinstance(value, (int, float, Fraction)) or _is_expr(value):
        return value
    raise interp.error(f"{name}() needs a number, got {describe(value)}", node)


_MATH = {name: _math_function(getattr(math, name), name) for name in (
    "ceil", "floor", "sqrt", "log", "log2", "log10", "exp", "prod", "gcd", "isqrt", "pow",
    "trunc", "fabs", "sin", "cos", "tanh", "comb", "factorial")}
_MATH["prod"] = lambda interp, args, kwargs, node: algebra.product(interp.iterate(args[0], node))


# -- containers and modules ---------------------------------------------------------------


def _torch_container(kind: str):
    def make(interp, args, kwargs, node):
        if kind == "Sequential":
            if len(args) == 1 and isinstance(args[0], dict):
                items: object = list(args[0].values())
                names = list(args[0].keys())
            else:
                items, names = list(args), None
        elif kind == "ModuleList":
            items, names = (list(interp.iterate(args[0], node)) if args else []), None
        else:
            items, names = (dict(args[0]) if args else {}), None
        for item in (items.values() if isinstance(items, dict) else items):
            if not isinstance(item, (Module, UnknownModule)):
                raise interp.error(f"nn.{kind} holds modules, got {describe(item)}", node)
        container = Container(kind, PYTORCH, items, interp.span(node), interp.text(node))
        if names:
            container.items = []
            for name, item in zip(names, items):
                container.add(item, name)
            container.names = names
        return container

    return make


def _keras_sequential(interp, args, kwargs, node):
    items = list(interp.iterate(args[0], node)) if args else list(kwargs.get("layers") or [])
    container = Container("Sequential", KERAS, [], interp.span(node), interp.text(node))
    for item in items:
        container.add(item)
    return container


def _keras_model(interp, args, kwargs, node):
    inputs = kwargs.get("inputs", args[0] if args else None)
    outputs = kwargs.get("outputs", args[1] if len(args) > 1 else None)
    if inputs is None or outputs is None:
        raise interp.error("keras.Model(...) without inputs and outputs is a subclassed model: "
                           "define `class MyModel(keras.Model)` with `call`", node)
    model = FunctionalModel(inputs, outputs, interp.span(node))
    interp.functional = model
    if interp.call_stack:
        interp.top_modules.append(model)  # built in a function: still a graph of its own
    return model


def _parameter(interp, args, kwargs, node):
    data = args[0] if args else kwargs.get("data")
    tensor = tensors.as_tensor(interp, data, node)
    trainable = kwargs.get("requires_grad", args[1] if len(args) > 1 else True)
    return Parameter(tensor, "trainable" if trainable is not False else "non_trainable")


def _keras_input(interp, args, kwargs, node):
    shape = kwargs.get("shape", args[0] if args else None)
    batch = kwargs.get("batch_size")
    if "batch_shape" in kwargs:
        full = tuple(kwargs["batch_shape"])
        batch, shape = full[0], full[1:]
    if shape is None:
        raise interp.error("keras.Input needs shape=(...)", node)
    if not isinstance(shape, (tuple, list)):
        shape = (shape,)
    dtype = "int" if str(kwargs.get("dtype", "")).startswith(("int", "uint")) else "float"
    dims = (batch, *(size(interp, d, node, keras=True) for d in shape))
    return code_input(interp, str(kwargs.get("name") or "input"), dims, node, dtype)


def _keras_input_layer(interp, args, kwargs, node):
    kwargs = dict(kwargs)
    if "input_shape" in kwargs:
        kwargs["shape"] = kwargs.pop("input_shape")
    return _keras_input(interp, args, kwargs, node)


def size(interp, value, node, keras: bool = False):
    """One size of an input shape: a positive integer, a symbol, or (Keras) None."""
    value = concrete(value)
    if value is None:
        if keras or interp.convention == KERAS:
            return interp.network.unknown()
        raise interp.error("a size of None is only allowed for the batch; name an unknown "
                           "size with a symbol instead, e.g. `T`", node)
    if not is_integer(value):
        raise interp.error(f"a size must be a positive integer or a symbol, got {value!r}",
                           node)
    if algebra.truth(value >= 1) is False:
        raise interp.error(f"a size must be a positive integer, got {value}", node)
    return value


def code_input(interp, name: str, dims: tuple, node, dtype: str = "float") -> Tensor:
    """An input made in the code (keras.Input, torch.randn at the top level). An `input:`
    line that says the same is the same input."""
    for index, (header_name, tensor) in enumerate(interp.header_inputs):
        if getattr(tensor, "claimed", False):
            continue
        if _same_shape(tensor.shape, dims):
            interp.header_inputs[index] = (header_name, tensor.replace(dtype=dtype))
            interp.header_inputs[index][1].__dict__["claimed"] = True
            return interp.header_inputs[index][1]
        raise interp.error(f"`input:` declares {algebra.show_shape(tensor.shape)} but the code "
                           f"makes {algebra.show_shape(dims)}; keep one of them", node)
    tensor = interp.network.declare_input(name, dims, dtype)
    interp.code_inputs.append(tensor)
    return tensor


def _same_shape(a: tuple, b: tuple) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x is None or y is None:
            if x is not y and not (algebra.is_symbolic(x) or algebra.is_symbolic(y)):
                return False
            continue
        if algebra.truth(algebra.equal(x, y)) is not True and not (
                str(x).startswith("None_") or str(y).startswith("None_")):
            return False
    return True


def input_tensor(interp, name: str, value, node, header: bool) -> Tensor:
    """The tensor an `input:` line declares: a shape tuple (PyTorch: batch included;
    Keras: without the batch), or a tensor the code made (torch.randn, keras.Input)."""
    if isinstance(value, Tensor):
        return value
    if not isinstance(value, (tuple, list)) or not (value or interp.convention == KERAS):
        raise interp.error("expected an input shape such as `(1, 3, 224, 224)` (PyTorch, batch "
                           "included) or `(224, 224, 3)` (Keras, without the batch)", node)
    keras = interp.convention == KERAS
    dims = tuple(size(interp, d, node) for d in value)
    if keras:
        dims = (None, *dims)
    return interp.network.declare_input(name, dims)


def implicit_input(interp, module) -> Tensor | None:
    """Keras' first layer may carry input_shape= (or Dense's input_dim=)."""
    if not isinstance(module, LayerModule) or module.framework != KERAS:
        return None
    for key in ("input_shape", "batch_input_shape", "input_dim"):
        arg = module.arguments.get(key)
        if arg is None or not arg.given:
            continue
        value = arg.value
        if key == "input_dim":
            value = (value,)
        if not isinstance(value, tuple) or not all(is_integer(v) or v is None for v in value):
            raise SpecError(f"{key} must be a tuple of sizes", arg.span)
        shape = value if key == "batch_input_shape" else (None, *value)
        if not shape:
            raise SpecError(f"{key} must not be empty", arg.span)
        shape = (shape[0], *(interp.network.unknown() if d is None else d for d in shape[1:]))
        tensor = interp.network.declare_input("input", shape)
        interp.code_inputs.append(tensor)
        return tensor
    return None


def class_base(interp, value, node):
    if isinstance(value, (UserClass, FrameworkBase)):
        return value
    if isinstance(value, Builtin) and value.name in ("keras.Model", "keras.Sequential"):
        return FrameworkBase(KERAS, "Model", "keras")
    if isinstance(value, Builtin) and value.name == "nn.Sequential":
        return FrameworkBase(PYTORCH, "Sequential", "sequential")
    if isinstance(value, Builtin) and value.name == "object":
        return FrameworkBase("", "object", "plain")
    if isinstance(value, Opaque) and value.text.endswith(("Module", "Model", "Layer")):
        framework = KERAS if value.text.startswith(("keras", "tf")) else interp.convention
        return FrameworkBase(framework, value.text, "module" if framework == PYTORCH else "keras")
    if isinstance(value, UnknownLayer):
        raise interp.error(f"this class derives from `{value.dotted}`, for which shapecalc has "
                           "no rule; run `shapecalc layers` for the supported layers", node)
    if isinstance(value, LayerClass):  # class LayerNorm2d(nn.LayerNorm): the layer inside
        return FrameworkBase(value.rule.framework, value.rule.name, "layer")
    return FrameworkBase("", describe(value), "plain")


def base_init(interp, instance: Instance, args, kwargs, node) -> None:
    """The framework base's __init__: nn.Sequential subclasses take their layers; a
    subclass of a layer class constructs that layer, whose weights are the instance's."""
    for base in instance.cls.framework_bases():
        if base.kind == "layer":
            rule = REGISTRY[(base.framework, base.name)]
            layer = construct(interp, LayerClass(rule, base.name), args, kwargs, node)
            layer.parent, layer.attr = _NESTED, base.name
            interp.constructed.remove(layer)
            instance.attrs["__layer__"] = layer
            return
        if base.kind == "sequential":
            instance.attrs["_sequential"] = True
            for i, item in enumerate(args):
                instance.set(str(i), item)
            return


# -- attributes ---------------------------------------------------------------------------

_TORCH_MODULE_METHODS = {"to", "cuda", "cpu", "float", "double", "half", "bfloat16",
                         "share_memory", "type"}
_IGNORED_METHODS = {"zero_grad", "load_state_dict", "compile", "fit", "evaluate", "predict",
                    "save", "save_weights", "load_weights", "summary", "register_forward_hook",
                    "register_backward_hook", "register_forward_pre_hook", "state_dict",
                    "reset_parameters", "init_weights", "_init_weights", "initialize",
                    "get_config", "build_from_config", "set_weights", "get_weights",
                    "plot", "fit_generator", "apply_init", "pop"}


def attribute(interp, receiver, name: str, node):
    if isinstance(receiver, Namespace):
        found = receiver.lookup(name)
        if found is None:
            raise interp.error(f"`{receiver.name}.{name}` is not known to shapecalc", node)
        return found
    if isinstance(receiver, _Super):
        return _super_attribute(interp, receiver, name, node)
    if isinstance(receiver, _FrameRef):
        if name == "f_back":
            return _FrameRef(receiver.index - 1)
        raise interp.error(f"a frame has no attribute `{name}` here", node)
    if isinstance(receiver, (Tensor, Parameter)):
        return tensors.attribute(interp, receiver, name, node)
    if name == "__class__":
        return _type(interp, [receiver], {}, node)
    if name == "__name__" and isinstance(receiver, (UserClass, LayerClass, Builtin, Function)):
        return receiver.rule.name if isinstance(receiver, LayerClass) else receiver.name
    if isinstance(receiver, Module):
        return _module_attribute(interp, receiver, name, node)
    if isinstance(receiver, UserClass):
        value = receiver.lookup(name)
        if value is None:
            raise interp.error(f"class `{receiver.name}` has no attribute `{name}`", node)
        if isinstance(value, Function) and value.kind == "classmethod":
            return BoundMethod(value, receiver)
        return value
    if isinstance(receiver, (LayerClass, UnknownLayer)):
        return Opaque(f"{receiver.dotted}.{name}")  # a static helper such as a mask maker
    if isinstance(receiver, Opaque):
        harmless = receiver.harmless or isinstance(receiver, (WeightRef, ParamHandle))
        return Opaque(f"{receiver.text}.{name}", receiver.unbound, harmless)
    if isinstance(receiver, NamedTuple) and name in receiver.fields:
        return receiver[receiver.fields.index(name)]
    method = _DATA_METHODS.get((_kind(receiver), name))
    if method is not None:
        return Builtin(name, method, bound=receiver)
    raise interp.error(f"{describe(receiver)} has no attribute `{name}`", node)


def _module_attribute(interp, module: Module, name: str, node):
    if isinstance(module, Instance):
        if name in module.attrs:
            return module.attrs[name]
        layer = module.attrs.get("__layer__")
        if layer is not None and module.cls.lookup(name) is None and (
                name in layer.arguments or name in ("weight", "bias")):
            return _module_attribute(interp, layer, name, node)
        if name in ("items", "keys", "values") and module.cls.lookup(name) is None:
            # a subclass of nn.ModuleDict: its modules by name
            return Builtin(name, lambda i, m, a, k, n, key=name: _DATA_METHODS[("dict", key)](
                i, dict(m.children()), a, k, n), bound=module)
        value = module.cls.lookup(name)
        if value is not None:
            if isinstance(value, Function):
                if value.kind == "staticmethod":
                    return value
                if value.kind == "classmethod":
                    return BoundMethod(value, module.cls)
                if value.kind == "property":
                    return interp.call_function(value, [module], {}, node, None)
                return BoundMethod(value, module)
            return value
    if name == "training":
        return module.training
    if name in ("trainable",):
        return getattr(module, "trainable", True)
    if isinstance(module, LayerModule) and name in ("weight", "bias"):
        if name == "bias" and module.arguments.get("bias") and \
                module.arguments["bias"].value is False:
            return None
        shape = weight_shape(module, name)
        if shape is None:
            return WeightRef(module, name)
        weight = Parameter(tensors.made(interp, shape, f"{module.type_name.lower()}_{name}"),
                           "trainable")
        weight.owner, weight.attr, weight.reported = module, name, True  # the layer counts it
        return weight
    if isinstance(module, LayerModule):
        argument = module.arguments.get(name)
        if argument is not None:
            return argument.value
        alias = _ATTRIBUTE_ALIASES.get(name)
        if alias and alias in module.arguments:
            return module.arguments[alias].value
        if name in ("kernel", "running_mean", "running_var", "weight_ih_l0", "weight_hh_l0"):
            return Opaque(f"{module.source}.{name}")
    if isinstance(module, FunctionalModel):
        if name in ("output", "outputs"):
            return module.outputs
        if name in ("input", "inputs"):
            return module.inputs
    if isinstance(module, Container) and module.framework == KERAS and name == "layers":
        return [item for item in module.items if isinstance(item, Module)]
    method = _MODULE_METHODS.get(name)
    if method is not None:
        return Builtin(name, method, bound=module)
    if isinstance(module, Instance) and any(
            b.kind == "net" for b in module.cls.framework_bases()):
        if name == "layer_summary":
            return Builtin(name, _layer_summary, bound=module)
        if name in ("net",):
            raise interp.error(f"`{module.type_name}` has no attribute `net` (d2l's models "
                               "set self.net in __init__)", node)
        return Builtin(name, lambda i, m, a, k, n: None, bound=module)  # d2l's training kit
    if name in _TORCH_MODULE_METHODS or name in ("train", "eval"):
        return Builtin(name, _module_mode, bound=module)
    if name in _IGNORED_METHODS or name.startswith("register_") and name.endswith("hook"):
        return Builtin(name, lambda i, m, a, k, n: None, bound=module)
    if isinstance(module, Container):
        method = _DATA_METHODS.get(("list", name))
        if method is not None and not isinstance(module.items, dict):
            return Builtin(name, lambda i, m, a, k, n, method=method: _container_list_call(
                i, m, method, a, k, n), bound=module)
        if isinstance(module.items, dict) and (("dict", name) in _DATA_METHODS):
            return Builtin(name, lambda i, m, a, k, n, key=name: _DATA_METHODS[("dict", key)](
                i, m.items, a, k, n), bound=module)
    raise interp.error(f"`{module.type_name}` has no attribute `{name}`", node)


_ATTRIBUTE_ALIASES = {"units": "units", "filters": "filters", "embed_dim": "embed_dim",
                      "normalized_shape": "normalized_shape"}


def _container_list_call(interp, container, method, args, kwargs, node):
    if method is _list_append:
        container.add(args[0])
        return None
    if method is _list_extend:
        for item in interp.iterate(args[0], node):
            container.add(item)
        return None
    if method is _list_insert:
        container.items.insert(args[0], args[1])
        for i, item in enumerate(container.items):
            if isinstance(item, Module) and item.parent is container:
                item.attr = str(i)
        container.adopt(args[1], str(args[0]))
        return None
    return method(interp, container.items, args, kwargs, node)


def _module_mode(interp, module, args, kwargs, node):
    return module


def _requires_grad(interp, module, args, kwargs, node):
    module.frozen = (args[0] if args else kwargs.get("requires_grad", True)) is False
    return module


def _super_attribute(interp, proxy: _Super, name: str, node):
    instance, cls = _super_context(interp, proxy, node)
    mro = instance.cls.mro()
    after = mro[mro.index(cls) + 1:] if cls in mro else mro[1:]
    for klass in after:
        if isinstance(klass, UserClass) and name in klass.namespace:
            value = klass.namespace[name]
            if isinstance(value, Function) and value.kind not in ("staticmethod",):
                return BoundMethod(value, instance)
            return value
    if name == "__init__":
        return Builtin("__init__", lambda i, a, k, n: base_init(i, instance, a, k, n))
    return _module_attribute(interp, instance, name, node)


def _super_context(interp, proxy: _Super, node):
    if len(proxy.args) == 2:
        cls, instance = proxy.args
        return instance, cls
    frame_self = interp.current_self()
    if frame_self is None:
        raise interp.error("super() outside a method", node)
    return frame_self


# module methods: fn(interp, module, args, kwargs, node)


def _add_module(interp, module, args, kwargs, node):
    name, child = args[0], args[1]
    if isinstance(module, Container):
        module.add(child, name)
    elif isinstance(module, Instance):
        module.set(name, child)
    return None


def _register_buffer(interp, module, args, kwargs, node):
    name = args[0]
    value = args[1] if len(args) > 1 else kwargs.get("tensor")
    if value is None:
        module.attrs[name] = None
        return None
    module.set(name, Parameter(tensors.as_tensor(interp, value, node), "buffer"))
    return None


def _register_parameter(interp, module, args, kwargs, node):
    name, value = args[0], args[1]
    module.set(name, value)
    return None


def _add_weight(interp, module, args, kwargs, node):
    shape = kwargs.get("shape", args[0] if args and isinstance(args[0], (tuple, list)) else None)
    if shape is None:
        shape = ()
    trainable = kwargs.get("trainable", True)
    shape = tuple(d for d in interp.iterate(shape, node))
    tensor = tensors.made(interp, shape, "weight")
    parameter = Parameter(tensor, "trainable" if trainable is not False else "non_trainable")
    name = kwargs.get("name") or f"weight_{id(parameter) % 10000}"
    if isinstance(module, Instance):
        module.attrs.setdefault(f"__weight_{name}", parameter)
        module.adopt(parameter, str(name))
    return parameter


def _apply(interp, module, args, kwargs, node):
    fn = args[0]
    for child in reversed(list(module.descendants())):
        interp.call(fn, [child], {}, node, None)
    return module


def _modules(interp, module, args, kwargs, node):
    return list(module.descendants())


def _named_modules(interp, module, args, kwargs, node):
    return [(m.path(), m) for m in module.descendants()]


def _children(interp, module, args, kwargs, node):
    return [c for _, c in module.children() if isinstance(c, Module)]


def _named_children(interp, module, args, kwargs, node):
    return [(n, c) for n, c in module.children() if isinstance(c, Module)]


def _parameters(interp, module, args, kwargs, node):
    handles = []
    for child in module.descendants():
        if isinstance(child, LayerModule):
            handles.append(ParamHandle(child))
        for value in getattr(child, "attrs", {}).values():
            if isinstance(value, Parameter):
                handles.append(value)
    return handles


def _named_parameters(interp, module, args, kwargs, node):
    return [(h.module.path() if isinstance(h, ParamHandle) else h.attr, h)
            for h in _parameters(interp, module, args, kwargs, node)]


def _build(interp, module, args, kwargs, node):
    return None


def _count_params(interp, module, args, kwargs, node):
    return Opaque("count_params()")


def _add_layer(interp, module, args, kwargs, node):
    if not isinstance(module, Container):
        raise interp.error("`.add` is a method of keras.Sequential", node)
    module.add(args[0])
    return None


_MODULE_METHODS = {
    "add_module": _add_module, "register_module": _add_module,
    "register_buffer": _register_buffer, "register_parameter": _register_parameter,
    "add_weight": _add_weight, "apply": _apply, "modules": _modules,
    "requires_grad_": _requires_grad,
    "named_modules": _named_modules, "children": _children, "named_children": _named_children,
    "parameters": _parameters, "named_parameters": _named_parameters,
    "buffers": lambda i, m, a, k, n: [], "named_buffers": lambda i, m, a, k, n: [],
    "save_hyperparameters": save_hyperparameters,
    "build": _build, "count_params": _count_params, "add": _add_layer,
}


def _freeze_rows(interp, model: FunctionalModel) -> None:
    """`base.trainable = False` on a functional Keras model: every weight of its graph
    becomes non-trainable."""
    layers = interp.network.layers
    for index in interp.rows_between(model.outputs):
        row = layers[index]
        layers[index] = row.replace(trainable=0,
                                    non_trainable=row.trainable + row.non_trainable)


def set_attribute(interp, receiver, name: str, value, node) -> None:
    if isinstance(receiver, Instance):
        if name in ("training",):
            receiver.training = bool(value)
            return
        if name == "trainable" and value is False:
            receiver.frozen = True
        receiver.set(name, value)
        return
    tied = value.module if isinstance(value, WeightRef) else (
        value.owner if isinstance(value, Parameter) else None)
    if isinstance(receiver, LayerModule) and name == "weight" and \
            isinstance(tied, LayerModule) and tied is not receiver:
        receiver.tied = tied  # tied weights: stored once, in the other layer
        return
    if isinstance(receiver, FunctionalModel) and name == "trainable" and value is False:
        _freeze_rows(interp, receiver)
    if isinstance(receiver, Module):
        if name == "trainable":
            receiver.frozen = value is False
        elif name in ("training",):
            receiver.training = bool(value)
        return  # other flags (inplace, requires_grad) change no count
    if isinstance(receiver, UserClass):
        receiver.namespace[name] = value
        return
    if isinstance(receiver, (Builtin, Function)) and name.startswith("__"):
        return  # __annotations__, __doc__ on a namedtuple or a function: nothing counted
    if isinstance(receiver, ParamHandle) and name == "requires_grad":
        receiver.module.frozen = value is False  # the layer's weights stop training
        return
    if isinstance(receiver, (Opaque, Parameter)):
        if isinstance(receiver, Parameter) and name == "requires_grad":
            receiver.kind = "trainable" if value else "non_trainable"
        return
    raise interp.error(f"cannot set attribute `{name}` on {describe(receiver)}", node)


# -- items --------------------------------------------------------------------------------


def get_item(interp, receiver, key, node):
    key = concrete(key)
    if isinstance(receiver, (Tensor, Parameter)):
        return tensors.getitem(interp, receiver, key, node)
    if isinstance(receiver, Container):
        if isinstance(receiver.items, dict):
            if key not in receiver.items:
                raise interp.error(f"ModuleDict has no key {key!r}", node)
            return receiver.items[key]
        if isinstance(key, slice):
            part = Container(receiver.kind, receiver.framework, [], receiver.span,
                             receiver.source)
            part.items = receiver.items[_plain_slice(interp, key, node)]
            return part
        return _index(interp, receiver.items, key, node)
    if isinstance(receiver, Instance) and isinstance(key, (int, str)):
        children = receiver.children()
        if isinstance(key, str):
            return dict(children)[key] if key in dict(children) else \
                _missing(interp, receiver, key, node)
        return _index(interp, [c for _, c in children], key, node)
    if isinstance(receiver, dict):
        key = hashable(interp, key, node)
        if key not in receiver:
            raise interp.error(f"key {key!r} is not in the dict", node)
        return receiver[key]
    if isinstance(receiver, (list, tuple, str, range)):
        if isinstance(key, (Tensor, Parameter)):
            return Opaque(interp.text(node))  # a value picked by a tensor: not a shape
        if isinstance(key, slice):
            return receiver[_plain_slice(interp, key, node)]
        return _index(interp, receiver, key, node)
    if isinstance(receiver, Opaque):
        return Opaque(f"{receiver.text}[...]")
    raise interp.error(f"{describe(receiver)} is not subscriptable", node)


def _missing(interp, receiver, key, node):
    raise interp.error(f"`{receiver.type_name}` has no module {key!r}", node)


def _plain_slice(interp, key: slice, node) -> slice:
    for part in (key.start, key.stop, key.step):
        if part is not None and type(part) is not int:
            raise interp.error(f"slice indices must be integers, got {describe(part)}", node)
    if key.step == 0:
        raise interp.error("slice step cannot be zero", node)
    return key


def _index(interp, items, key, node):
    if isinstance(key, bool) or type(key) is not int:
        raise interp.error(f"indices must be integers, not {describe(key)}", node)
    if not -len(items) <= key < len(items):
        raise interp.error(f"index {key} out of range for {len(items)} items", node)
    return items[key]


def set_item(interp, receiver, key, value, node) -> None:
    if isinstance(receiver, dict):
        receiver[hashable(interp, key, node)] = value
    elif isinstance(receiver, list):
        _index(interp, receiver, key, node)
        receiver[key] = value
    elif isinstance(receiver, Container):
        if isinstance(receiver.items, dict):
            receiver.add(value, key)
        else:
            _index(interp, receiver.items, key, node)
            receiver.items[key] = value
            receiver.adopt(value, str(key))
    elif isinstance(receiver, (Tensor, Parameter, Opaque)):
        return  # writing into a tensor keeps its shape
    else:
        raise interp.error(f"{describe(receiver)} does not support item assignment", node)


def hashable(interp, key, node):
    if isinstance(key, list):
        raise interp.error("a list cannot be a dict key", node)
    try:
        hash(key)
    except TypeError:
        raise interp.error(f"{describe(key)} cannot be a dict key", node) from None
    return key


def as_dict(interp, value, node) -> dict:
    if isinstance(value, dict):
        return value
    raise interp.error(f"`**` needs a dict, got {describe(value)}", node)


# -- methods of plain data --------------------------------------------------------------


def _kind(value) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, str):
        return "str"
    if isinstance(value, tuple):
        return "tuple"
    return type(value).__name__


def _list_append(interp, items, args, kwargs, node):
    items.append(args[0])
    if len(items) > 1_000_000:
        raise interp.error("a list of more than 1,000,000 items", node)


def _list_extend(interp, items, args, kwargs, node):
    items.extend(interp.iterate(args[0], node))
    if len(items) > 1_000_000:
        raise interp.error("a list of more than 1,000,000 items", node)


def _list_insert(interp, items, args, kwargs, node):
    items.insert(args[0], args[1])


def _list_pop(interp, items, args, kwargs, node):
    if not items:
        raise interp.error("pop from an empty list", node)
    return items.pop(*args)


def _index_of(interp, items, args, kwargs, node):
    for i, item in enumerate(items):
        if compare(interp, "Eq", item, args[0], node):
            return i
    raise interp.error(f"{args[0]!r} is not in the list", node)


def _count_of(interp, items, args, kwargs, node):
    return sum(1 for item in items if compare(interp, "Eq", item, args[0], node))


def _dict_get(interp, items, args, kwargs, node):
    return items.get(hashable(interp, args[0], node), args[1] if len(args) > 1 else None)


def _dict_setdefault(interp, items, args, kwargs, node):
    return items.setdefault(hashable(interp, args[0], node), args[1] if len(args) > 1 else None)


def _dict_pop(interp, items, args, kwargs, node):
    key = hashable(interp, args[0], node)
    if key not in items and len(args) < 2:
        raise interp.error(f"key {key!r} is not in the dict", node)
    return items.pop(key, *args[1:])


def _dict_update(interp, items, args, kwargs, node):
    if args:
        items.update(_dict(interp, args[:1], {}, node))
    items.update(kwargs)


def _str_method(name: str):
    def method(interp, text, args, kwargs, node):
        for arg in args:
            if name not in ("format", "join") and not isinstance(arg, (str, int)):
                raise interp.error(f"str.{name}() takes strings", node)
        if name == "format":
            return _format_braces(interp, text, args, kwargs, node)
        if name in ("split", "rsplit"):
            return getattr(text, name)(*args)
        if name == "join":
            items = interp.iterate(args[0], node)
            if not all(isinstance(i, str) for i in items):
                raise interp.error("str.join() takes strings", node)
            return text.join(items)
        result = {"lower": str.lower, "upper": str.upper, "strip": str.strip,
                  "startswith": str.startswith, "endswith": str.endswith,
                  "replace": str.replace, "title": str.title, "capitalize": str.capitalize,
                  "lstrip": str.lstrip, "rstrip": str.rstrip, "isdigit": str.isdigit,
                  "find": str.find, "rfind": str.rfind, "count": str.count,
                  }[name](text, *args)
        if isinstance(result, str) and len(result) > MAX_STRING:
            raise interp.error(f"a string longer than {MAX_STRING:,} characters", node)
        return result

    return method


_FORMAT_FIELD = re.compile(r"\{([^{}]*)\}")


def _format_braces(interp, text: str, args, kwargs, node) -> str:
    counter = iter(range(len(args) + 1))

    def field(match: re.Match) -> str:
        inner = match.group(1)
        name, _, spec = inner.partition(":")
        if name == "":
            index = next(counter)
            value = args[index] if index < len(args) else None
        elif name.isdigit():
            value = args[int(name)] if int(name) < len(args) else None
        else:
            value = kwargs.get(name)
        return format_value(interp, value, spec, node)

    result = _FORMAT_FIELD.sub(field, text.replace("{{", "\0").replace("}}", "\1"))
    return result.replace("\0", "{").replace("\1", "}")


_SAFE_SPEC = re.compile(r"[<>^=]?[+\- ]?#?0?\d{0,3}[,_]?(\.\d{1,3})?[bcdeEfFgGnosxX%]?")


def format_value(interp, value, spec: str, node) -> str:
    """str() / format() of a value, with a format spec of bounded width."""
    if isinstance(value, Unbound):
        return value.name
    if spec and not _SAFE_SPEC.fullmatch(spec):
        raise interp.error(f"unsupported format spec {spec!r}", node)
    if isinstance(value, (int, float, str, bool)) or value is None:
        try:
            return format(value, spec) if spec else str(value)
        except (ValueError, TypeError) as error:
            raise interp.error(f"format: {error}", node) from None
    if isinstance(value, (tuple, list)):
        inner = ", ".join(format_value(interp, v, "", node) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    return describe(value) if not _is_expr(value) else str(value)


_DATA_METHODS = {
    ("list", "append"): _list_append, ("list", "extend"): _list_extend,
    ("list", "insert"): _list_insert, ("list", "pop"): _list_pop,
    ("list", "index"): _index_of, ("list", "count"): _count_of,
    ("list", "copy"): lambda i, items, a, k, n: list(items),
    ("list", "reverse"): lambda i, items, a, k, n: items.reverse(),
    ("list", "clear"): lambda i, items, a, k, n: items.clear(),
    ("tuple", "index"): _index_of, ("tuple", "count"): _count_of,
    ("dict", "items"): lambda i, d, a, k, n: list(d.items()),
    ("dict", "keys"): lambda i, d, a, k, n: list(d.keys()),
    ("dict", "values"): lambda i, d, a, k, n: list(d.values()),
    ("dict", "get"): _dict_get, ("dict", "setdefault"): _dict_setdefault,
    ("dict", "pop"): _dict_pop, ("dict", "update"): _dict_update,
    ("dict", "copy"): lambda i, d, a, k, n: dict(d),
    **{("str", name): _str_method(name) for name in (
        "format", "split", "rsplit", "join", "lower", "upper", "strip", "startswith",
        "endswith", "replace", "title", "capitalize", "lstrip", "rstrip", "isdigit", "find",
        "rfind", "count")},
}


# -- arithmetic and comparisons --------------------------------------------------------------


def _is_expr(value) -> bool:
    return algebra.is_symbolic(value) and not isinstance(value, (
        Module, Opaque, Builtin, Function, BoundMethod, UserClass, Namespace, Tensor,
        Parameter, LayerClass, UnknownLayer, FrameworkBase, list, dict, range, slice, _Super,
        Reference, UnknownModule, Unbound)) and value is not Ellipsis


def is_integer(value) -> bool:
    if isinstance(value, bool):
        return False
    if type(value) is int:
        return True
    return _is_expr(value) and bool(getattr(value, "is_integer", False))


def _numeric(value) -> bool:
    return (isinstance(value, (int, float, Fraction)) and not isinstance(value, bool)) or \
        _is_expr(value) or isinstance(value, bool)


def arithmetic(interp, op: str, a, b, node):
    if isinstance(a, Opaque) or isinstance(b, Opaque):
        return Opaque(interp.text(node))  # sum(p.numel() for p in model.parameters())
    if isinstance(a, str) or isinstance(b, str):
        return _string_arithmetic(interp, op, a, b, node)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return _sequence_arithmetic(interp, op, a, b, node)
    if not _numeric(a) or not _numeric(b):
        raise interp.error(f"unsupported operand types for {op}: {describe(a)} and "
                           f"{describe(b)}", node)
    if isinstance(a, bool):
        a = int(a)
    if isinstance(b, bool):
        b = int(b)
    numeric = not _is_expr(a) and not _is_expr(b)
    if op in ("/", "//", "%") and numeric and b == 0:
        raise interp.error("division by zero", node)
    try:
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            if isinstance(a, float) or isinstance(b, float):
                result = a / b
            elif numeric:
                result = a / b if isinstance(a, int) and isinstance(b, int) and \
                    not _exact_fraction_wanted(interp) else algebra.divide(a, b)
            else:
                result = algebra.divide(a, b)
        elif op == "//":
            if numeric:
                result = a // b
            elif isinstance(a, float) or isinstance(b, float):
                raise interp.error("`//` of a symbol and a float is not supported", node)
            else:
                result = algebra.floordiv(a, b)
        elif op == "%":
            if numeric:
                result = a % b
            else:
                import sympy

                result = sympy.Mod(a, b)
        elif op == "**":
            result = _power(interp, a, b, node)
        elif op in ("&", "|", "^", "<<", ">>"):
            if type(a) is not int or type(b) is not int:
                raise interp.error(f"`{op}` needs integers", node)
            if op == "<<" and b > 4096:
                raise interp.error("shift too large", node)
            result = {"&": a & b, "|": a | b, "^": a ^ b}.get(op) if op in "&|^" else (
                a << b if op == "<<" else a >> b)
        else:
            raise interp.error(f"unsupported operator {op}", node)
    except (OverflowError, ZeroDivisionError, ValueError) as error:
        raise interp.error(f"arithmetic error: {error}", node) from None
    if type(result) is int and result.bit_length() > 4096:
        raise interp.error("number too large (more than 4096 bits)", node)
    if isinstance(result, float) and (math.isinf(result) or math.isnan(result)) and \
            not (isinstance(a, float) and math.isinf(a)):
        raise interp.error("arithmetic overflow", node)
    if isinstance(result, Fraction) and result.denominator == 1:
        return result.numerator
    return result


def _exact_fraction_wanted(interp) -> bool:
    return False


def _power(interp, a, b, node):
    if isinstance(b, float) or isinstance(a, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if abs(b) > 1024 or (abs(a) > 1e6 and abs(b) > 64):
                raise interp.error("exponent too large", node)
            result = float(a) ** b
            if isinstance(result, complex):
                raise interp.error("a negative number to a fractional power", node)
            return result
        raise interp.error("a symbolic value to a float power is not supported", node)
    if type(b) is not int:
        raise interp.error("a symbolic exponent is not supported", node)
    if b < 0:
        if type(a) is int:
            if a == 0:
                raise interp.error("division by zero", node)
            return Fraction(1, a ** -b) if -b <= 1024 else 0.0
        return a ** b
    if b > 1024:
        raise interp.error(f"exponent must be an integer from 0 to 1024, got {b}", node)
    if type(a) is int and a.bit_length() * b > 4096:
        raise interp.error("number too large (more than 4096 bits)", node)
    if isinstance(a, Fraction) and (a.numerator.bit_length() + a.denominator.bit_length()) * b \
            > 4096:
        raise interp.error("number too large (more than 4096 bits)", node)
    return a ** b


def _string_arithmetic(interp, op, a, b, node):
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        result = a + b
    elif op == "*" and (type(a) is int or type(b) is int):
        count = a if type(a) is int else b
        text = b if type(a) is int else a
        if count * len(text) > MAX_STRING:
            raise interp.error(f"a string longer than {MAX_STRING:,} characters", node)
        result = text * count
    elif op == "%" and isinstance(a, str):
        values = b if isinstance(b, tuple) else (b,)
        if re.search(r"%[-+ #0]*\d{4,}", a) or re.search(r"%[-+ #0]*\*", a):
            raise interp.error("unsupported format width", node)
        if not all(isinstance(v, (int, float, str)) for v in values):
            values = tuple(format_value(interp, v, "", node) for v in values)
        try:
            result = a % values
        except (TypeError, ValueError) as error:
            raise interp.error(f"string formatting: {error}", node) from None
    else:
        raise interp.error(f"unsupported operand types for {op}: {describe(a)} and "
                           f"{describe(b)}", node)
    if len(result) > MAX_STRING:
        raise interp.error(f"a string longer than {MAX_STRING:,} characters", node)
    return result


def _sequence_arithmetic(interp, op, a, b, node):
    if op == "+" and type(a) is type(b):
        result = a + b
    elif op == "*" and (type(a) is int or type(b) is int):
        count = a if type(a) is int else b
        items = b if type(a) is int else a
        if count * len(items) > 1_000_000:
            raise interp.error("a sequence of more than 1,000,000 items", node)
        result = items * count
    else:
        raise interp.error(f"unsupported operand types for {op}: {describe(a)} and "
                           f"{describe(b)}", node)
    if len(result) > 1_000_000:
        raise interp.error("a sequence of more than 1,000,000 items", node)
    return result


def compare(interp, op: str, a, b, node) -> bool:
    a, b = concrete(a), concrete(b)
    if isinstance(a, Opaque) or isinstance(b, Opaque):
        if op in ("Is", "IsNot"):
            return (a is b) == (op == "Is")
        return op in ("NotEq", "NotIn")  # what the code cannot know here is not equal
    if op in ("Is", "IsNot"):
        same = a is b or (a is None and b is None) or (
            isinstance(a, bool) and isinstance(b, bool) and a == b)
        return same if op == "Is" else not same
    if op in ("In", "NotIn"):
        found = _contains(interp, b, a, node)
        return found if op == "In" else not found
    if op in ("Eq", "NotEq"):
        equal = _equal(a, b)
        if equal is None:
            raise interp.error("this comparison depends on unbound symbols; bind them (let or "
                               "--set) to decide it", node)
        return equal if op == "Eq" else not equal
    if isinstance(a, str) and isinstance(b, str) or \
            isinstance(a, tuple) and isinstance(b, tuple) and all(
                isinstance(v, (int, float)) for v in (*a, *b)):
        return {"Lt": a < b, "LtE": a <= b, "Gt": a > b, "GtE": a >= b}[op]
    if not _numeric(a) or not _numeric(b) or a is None or b is None:
        raise interp.error(f"cannot compare {describe(a)} and {describe(b)} with "
                           f"{_OPS[op]}", node)
    relation = {"Lt": lambda: a < b, "LtE": lambda: a <= b, "Gt": lambda: a > b,
                "GtE": lambda: a >= b}[op]()
    verdict = algebra.truth(relation)
    if verdict is None:
        raise interp.error("this condition depends on unbound symbols; bind them (let or "
                           "--set) to decide it", node)
    return verdict


_OPS = {"Lt": "<", "LtE": "<=", "Gt": ">", "GtE": ">="}


def _equal(a, b):
    if _is_expr(a) or _is_expr(b):
        if not (_numeric(a) and _numeric(b)):
            return False
        return algebra.truth(algebra.equal(a, b))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) != len(b) or type(a) is not type(b):
            return False
        for x, y in zip(a, b):
            verdict = _equal(x, y)
            if verdict is not True:
                return verdict
        return True
    if isinstance(a, (int, float, str, bool, Fraction, type(None))) and \
            isinstance(b, (int, float, str, bool, Fraction, type(None))):
        return a == b
    return a is b


def _contains(interp, container, item, node) -> bool:
    if isinstance(container, dict):
        return item in container if _hashable(item) else False
    if isinstance(container, str):
        if not isinstance(item, str):
            raise interp.error("`in <string>` needs a string on the left", node)
        return item in container
    if isinstance(container, Container) and isinstance(container.items, dict):
        return item in container.items
    return any(_equal(item, x) is True for x in interp.iterate(container, node))


def _hashable(value) -> bool:
    try:
        hash(value)
        return True
    except TypeError:
        return False


def decide(value) -> bool | None:
    """Python's truth of a value; None when it depends on unbound symbols."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float, Fraction)):
        return value != 0
    if isinstance(value, (str, tuple, list, dict, range)):
        return len(value) > 0
    if isinstance(value, (Tensor, Parameter)):
        return True
    if _is_expr(value):
        if getattr(value, "is_Relational", False) or getattr(value, "is_Boolean", False):
            return algebra.truth(value)
        return algebra.truth(algebra.equal(value, 0)) is False if algebra.truth(
            algebra.equal(value, 0)) is not None else None
    return True


def iterate(interp, value, node) -> list:
    value = concrete(value)
    if isinstance(value, (list, tuple, str, range)):
        return list(value)
    if isinstance(value, dict):
        return list(value.keys())
    if isinstance(value, Container):
        return list(value.items.keys() if isinstance(value.items, dict) else value.items)
    if isinstance(value, Instance):  # a subclass of nn.Sequential or nn.ModuleList
        return [child for _, child in value.children()]
    if isinstance(value, (Tensor, Parameter)):
        return tensors.unbind(interp, value, node)
    if isinstance(value, Opaque):
        return []  # model.parameters() and the like: nothing to count here
    if _is_expr(value):
        raise interp.error(f"cannot iterate over the symbolic value {value}; bind it (let or "
                           "--set)", node)
    raise interp.error(f"{describe(value)} is not iterable", node)


def describe(value) -> str:
    if isinstance(value, Unbound):
        return f"`{value.name}`"
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) < 60 else "a string"
    if value is None:
        return "None"
    if isinstance(value, (int, float, Fraction)):
        return f"the number {value}"
    if isinstance(value, tuple):
        return "a tuple"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a dict"
    if isinstance(value, Tensor):
        return f"a tensor of shape {algebra.show_shape(value.shape)}"
    if isinstance(value, Parameter):
        return f"a parameter of shape {algebra.show_shape(value.tensor.shape)}"
    if isinstance(value, Module):
        return f"the module `{value.type_name}`"
    if isinstance(value, (Function, Builtin)):
        return f"the function `{getattr(value, 'qualname', value.name)}`"
    if isinstance(value, UserClass):
        return f"the class `{value.name}`"
    if isinstance(value, LayerClass):
        return f"the layer class `{value.dotted}`"
    if isinstance(value, Opaque):
        return f"`{value.text}`"
    if isinstance(value, Namespace):
        return f"the module `{value.name}`"
    if _is_expr(value):
        return f"`{value}`"
    return type(value).__name__


# -- calling what is not a function ---------------------------------------------------------


class UnknownModule(Module):
    """A constructed framework module with no rule: refused when applied."""

    def __init__(self, dotted: str, framework: str, span) -> None:
        super().__init__()
        self.dotted = dotted
        self.framework = framework
        self.span = span

    @property
    def type_name(self) -> str:
        return self.dotted.rsplit(".", 1)[-1]


def call_other(interp, func, args, kwargs, node):
    if isinstance(func, LayerClass):
        return construct(interp, func, args, kwargs, node)
    if isinstance(func, UnknownLayer):
        if func.framework != interp.convention:
            raise _wrong_framework(interp, func.dotted, func.framework, node)
        module = UnknownModule(func.dotted, func.framework, interp.span(node))
        return module
    if isinstance(func, Opaque) and (func.harmless or isinstance(func, (WeightRef, ParamHandle))):
        return Opaque(interp.text(node), harmless=True)  # layer.weight.data.uniform_(...)
    if isinstance(func, Opaque):
        prefix, _, last = func.text.rpartition(".")
        if func.unbound and last == "add" and len(args) == 1 and isinstance(args[0], Module):
            return args[0]  # `model.add(layer)` with no model defined: the chain's next layer
        if func.unbound and prefix and any((fw, last) in REGISTRY for fw in (PYTORCH, KERAS)):
            raise interp.error(f"unknown prefix `{prefix}.`; known prefixes: nn., torch.nn., "
                               "F., layers., keras.layers., tf.keras.layers. (or import it)",
                               node)
        if any(isinstance(a, (Tensor, Parameter)) for a in (*args, *kwargs.values())):
            raise interp.error(f"shapecalc does not know `{func.text}`, which is applied to a "
                               "tensor here", node)
        return Opaque(interp.text(node))
    if isinstance(func, FrameworkBase):
        return Opaque(func.name)
    if isinstance(func, _Super):
        raise interp.error("super() is not callable", node)
    if isinstance(func, Unbound):
        if any(isinstance(a, (Tensor, Parameter)) for a in (*args, *kwargs.values())):
            raise interp.error(f"unknown function `{func.name}` applied to a tensor; define it "
                               "in the spec", node)
        return Opaque(f"{func.name}(...)")
    if _is_expr(func) and getattr(func, "is_Symbol", False):
        if any(isinstance(a, (Tensor, Parameter, Module)) for a in (*args, *kwargs.values())):
            raise interp.error(f"unknown function `{func}` applied to a tensor or module; "
                               "define it in the spec", node)
        return Opaque(f"{func}(...)")
    raise interp.error(f"{describe(func)} is not callable", node)


def _wrong_framework(interp, dotted: str, framework: str, node) -> SpecError:
    from shapecalc.layers.base import FRAMEWORK_TITLE

    convention = interp.convention
    return interp.error(
        f"`{dotted}` is a {FRAMEWORK_TITLE[framework]} layer, but this spec uses the "
        f"{FRAMEWORK_TITLE[convention]} convention (declare `convention: {framework}`, or "
        f"write the {FRAMEWORK_TITLE[convention]} layer)", node)


class _Arg:
    __slots__ = ("value", "span")

    def __init__(self, value, span) -> None:
        self.value = value
        self.span = span


class _Keyword:
    __slots__ = ("name", "value", "span")

    def __init__(self, name, value, span) -> None:
        self.name = name
        self.value = value
        self.span = span


class _Arguments:
    __slots__ = ("args", "keywords", "span")

    def __init__(self, args, keywords, span) -> None:
        self.args = args
        self.keywords = keywords
        self.span = span


def evaluate_argument(node):
    """Rules bind pre-evaluated arguments; a nested constructor's literal tree (see
    ``_literal``) is evaluated the ordinary way."""
    if isinstance(node, _Arg):
        return node.value
    return Evaluator()(node)


def construct(interp, layer: LayerClass, args, kwargs, node):
    rule = layer.rule
    if rule.framework != interp.convention:
        raise _wrong_framework(interp, layer.dotted, rule.framework, node)
    spans = [interp.span(a) for a in node.args] if node is not None else []
    keyword_spans = {k.arg: interp.span(k) for k in node.keywords} if node is not None else {}
    call_span = interp.span(node)
    bound_args = [_Arg(rule_value(interp, v), spans[i] if i < len(spans) else call_span)
                  for i, v in enumerate(args)]
    keywords = [_Keyword(k, _Arg(rule_value(interp, v), keyword_spans.get(k, call_span)),
                         keyword_spans.get(k, call_span)) for k, v in kwargs.items()]
    arguments = bind(rule, _Arguments(bound_args, keywords, call_span), evaluate_argument)
    source = interp.text(node) if node is not None else f"{layer.dotted}(...)"
    module = LayerModule(rule, arguments, call_span, source)
    module.dotted = layer.dotted
    module.positional = len(args)
    interp.constructed.append(module)
    return module


def rule_value(interp, value):
    """An interpreter value as a layer rule reads arguments: lists as tuples, layers given
    as arguments as references to their constructor."""
    value = concrete(value)
    if isinstance(value, list):
        return tuple(rule_value(interp, v) for v in value)
    if isinstance(value, tuple):
        return tuple(rule_value(interp, v) for v in value)
    if isinstance(value, LayerModule):
        value.parent = value.parent or _NESTED  # owned by the layer it is given to
        return Reference(value.source, _literal(value))
    if isinstance(value, LayerClass):
        return Reference(value.dotted)
    if isinstance(value, Opaque):
        return Reference(value.text, _parsed(value.text))
    if isinstance(value, (Builtin, Function, UnknownLayer, UserClass, Module,
                          FrameworkBase, Namespace, BoundMethod)):
        text = getattr(value, "dotted", None) or getattr(value, "text", None) or \
            getattr(value, "name", None) or describe(value)
        return Reference(str(text))
    if isinstance(value, (Tensor, Parameter)):
        return Reference(describe(value))
    return value


def _parsed(text: str):
    """`regularizers.l2(1e-4)` as our syntax tree, for export; None if it is not a call
    of literals."""
    from shapecalc.spec.reader import _parse_expression

    try:
        node = _parse_expression(text, 1, 1, text)
    except SpecError:
        return None
    return node if isinstance(node, S.Call) else None


class _Nested(Module):
    pass


_NESTED = _Nested()


def _literal(module: LayerModule):
    """A layer given as an argument, as the syntax tree of a constructor call with its
    arguments' values written out (for rules that bind it, and for export and verify)."""
    parts = tuple(getattr(module, "dotted", module.rule.name).split("."))
    given = [(key, arg) for key, arg in module.arguments.items() if arg.given]
    count = getattr(module, "positional", 0)
    args = tuple(_literal_value(arg.value) for _, arg in given[:count])
    keywords = tuple(S.Keyword(key, _literal_value(arg.value), arg.span)
                     for key, arg in given[count:])
    return S.Call(S.Name(parts, module.span), args, keywords, module.span)


def _literal_value(value):
    if isinstance(value, bool) or value is None:
        return S.Constant(value)
    if isinstance(value, (int, float)):
        return S.Number(value)
    if isinstance(value, str):
        return S.String(value)
    if isinstance(value, tuple):
        return S.Sequence(tuple(_literal_value(v) for v in value), "tuple")
    if isinstance(value, Reference):
        return value.node if value.node is not None else S.Name(tuple(value.text.split(".")))
    return S.Name((str(value),))


def apply_module(interp, module, args, kwargs, node, frame):
    if isinstance(module, UnknownModule):
        from shapecalc.layers import resolve

        try:
            resolve(S.Name(tuple(module.dotted.split("."))), interp.convention)
        except SpecError as error:
            raise SpecError(error.message, module.span) from None
        raise interp.error(f"shapecalc has no rule for `{module.dotted}`", node)
    return tensors.apply_module(interp, module, args, kwargs, node, frame)


def unapplied_row(interp, module: LayerModule, name: str | None = None) -> None:
    """A layer the model constructed but its forward never applied: PyTorch counts its
    parameters all the same."""
    counts = tensors.probe_params(interp, module)
    if counts is None:
        return
    trainable, buffers = counts if not interp.unregistered else (0, 0)
    name = name or module.path() or interp.network.auto_name(module.rule.name)
    interp.network.record(module.rule.name, module.source + "  # not applied in forward",
                          module.span, [], (), name=name, receptive=None,
                          trainable=trainable, buffers=buffers,
                          arguments=tuple((key, arg.value) for key, arg in
                                          module.arguments.items() if arg.given))
    module.applied = True


def constructed_params(interp):
    total = algebra.total(layer.params for layer in interp.network.layers)
    for module in interp.constructed:
        if module.applied or module.parent is _NESTED:
            continue
        counts = tensors.probe_params(interp, module)
        if counts is None:
            return None
        total = algebra.total((total, counts[0]))
    return total


__all__ = ["Library", "LayerClass", "Argument", "Parameter"]
