"""The frameworks' names, as spec code reaches them: ``torch``, ``nn``, ``F``, ``layers``,
``keras``, ``tf``, einops, the course book's ``d2l``; constructing their layers and
containers; the model's inputs.

A framework name shapecalc does not know is an ``Opaque`` value: harmless until the code
applies it to a tensor, where it is refused with its name. A layer class becomes a
``LayerModule`` bound exactly as the framework binds its constructor.
"""

from __future__ import annotations

import ast
import math
import string as _string

from shapecalc import algebra
from shapecalc.errors import SpecError
from shapecalc.interpret import arithmetic, builtins, objects, tensors, zoo
from shapecalc.interpret.modules import Container, FunctionalModel, Instance, LayerModule, Module
from shapecalc.interpret.values import (BoundMethod, Builtin, FrameworkBase, Function, Namespace, Opaque,
                                        Parameter, Tensor, Unbound, UserClass, concrete)
from shapecalc.layers.base import KERAS, PYTORCH, REGISTRY, bind
from shapecalc.spec import syntax as S
from shapecalc.spec.evaluate import Evaluator, Reference
from shapecalc.spec.reader import dtype_kind


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



class Library:
    def __init__(self, interp) -> None:
        self.interp = interp
        convention = interp.convention
        self.namespaces = _namespaces()
        self.namespaces.update(zoo.namespaces(interp))  # torchvision.models, keras.applications
        self.builtins = {name: Builtin(name, fn) for name, fn in builtins._BUILTINS.items()}
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
        key = _MODULE_ALIASES.get(dotted) or zoo.module_key(dotted) or dotted
        if key in self.namespaces:
            return self.namespaces[key]
        return Namespace(dotted, lambda member, dotted=dotted: Opaque(f"{dotted}.{member}"))

    def claimable(self, shape: tuple) -> bool:
        """A tensor made at the top level is the model's input unless an `input:` line
        declares another shape (then it is the notebook's own tensor)."""
        headers = [t for name, t in self.interp.header_inputs
                   if name not in self.interp.claimed_inputs]
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
        made: dict[str, LayerClass] = {}

        def lookup(member: str):
            if member in made:
                return made[member]
            rule = REGISTRY.get((framework, member))
            if rule is not None:
                made[member] = LayerClass(rule, f"{prefix}.{member}")
                return made[member]
            if member.endswith("Loss") and framework == PYTORCH:
                return Builtin(f"{prefix}.{member}", _loss_module)
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
        # wrappers that run the same module on several devices: the module itself
        "DataParallel": Builtin("nn.DataParallel", _wrapped),
        "parallel": "@parallel",
        "functional": "@F", "init": "@init", "utils": "@opaque",
    }
    space("nn", nn_members, layers_of(PYTORCH, "nn"))
    space("F", {name: Builtin(f"F.{name}", fn) for name, fn in tensors.FUNCTIONAL.items()},
          lambda member: Opaque(f"F.{member}"))
    space("init", {}, lambda member: Builtin(f"nn.init.{member}", builtins._ignored))
    space("opaque", {}, lambda member: Opaque(member))
    space("parallel", {"DistributedDataParallel": Builtin("DistributedDataParallel", _wrapped),
                       "DataParallel": Builtin("DataParallel", _wrapped),
                       "data_parallel": Builtin("data_parallel", _data_parallel)},
          lambda member: Opaque(f"nn.parallel.{member}"))
    space("torchinfo", {"summary": Builtin("summary", _summary(()))},
          lambda member: Opaque(f"torchinfo.{member}"))
    space("torchsummary", {"summary": Builtin("summary", _summary((2,)))},
          lambda member: Opaque(f"torchsummary.{member}"))
    torch_members = {name: Builtin(f"torch.{name}", fn) for name, fn in tensors.TORCH.items()}
    torch_members.update({
        "nn": "@nn", "Tensor": FrameworkBase(PYTORCH, "Tensor", "plain"),
        "jit": "@jit", "cuda": "@cuda", "device": Builtin("torch.device", builtins._opaque_call),
        "no_grad": Builtin("torch.no_grad", builtins._opaque_call),
        "Size": Builtin("torch.Size", lambda i, a, k, n: tuple(a[0]) if a else ()),
        "compile": Builtin("torch.compile", _wrapped),
        "_assert": Builtin("torch._assert", builtins._ignored), "manual_seed": Builtin("seed", builtins._ignored),
        "float32": "float32", "float": "float32", "float16": "float16", "bfloat16": "bfloat16",
        "float64": "float64", "long": "int64", "int64": "int64", "int32": "int32",
        "int": "int32", "bool": "bool", "uint8": "uint8",
    })
    space("torch", torch_members, lambda member: Opaque(f"torch.{member}"))
    space("jit", {"is_scripting": Builtin("is_scripting", lambda i, a, k, n: False),
                  "is_tracing": Builtin("is_tracing", lambda i, a, k, n: False)},
          lambda member: Builtin(f"torch.jit.{member}", builtins._ignored))
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
        "callbacks": "@opaque", "utils": "@opaque", "applications": "@applications",
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
    space("math", {name: Builtin(f"math.{name}", fn) for name, fn in builtins._MATH.items()} |
          {"pi": math.pi, "e": math.e, "inf": math.inf}, None)
    space("collections", {"OrderedDict": Builtin("OrderedDict", builtins._dict),
                          "namedtuple": Builtin("namedtuple", builtins._namedtuple),
                          "defaultdict": Builtin("defaultdict", lambda i, a, k, n: {})}, None)
    space("functools", {"partial": Builtin("partial", builtins._partial),
                        "reduce": Builtin("reduce", builtins._functools_reduce)},
          lambda member: Opaque(f"functools.{member}"))
    space("copy", {"deepcopy": Builtin("deepcopy", builtins._deepcopy),
                   "copy": Builtin("copy", builtins._deepcopy)}, None)
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
    space("inspect", {"currentframe": Builtin("currentframe", builtins._currentframe),
                      "getargvalues": Builtin("getargvalues", builtins._getargvalues)},
          lambda member: Opaque(f"inspect.{member}"))
    space("string", {"ascii_letters": _string.ascii_letters, "ascii_lowercase":
                     _string.ascii_lowercase, "ascii_uppercase": _string.ascii_uppercase,
                     "digits": _string.digits, "punctuation": _string.punctuation},
          lambda member: Opaque(f"string.{member}"))
    space("argparse", {"ArgumentParser": Builtin("ArgumentParser", builtins._argument_parser),
                       "Namespace": Builtin("Namespace", builtins._simple_namespace)},
          lambda member: Opaque(f"argparse.{member}"))
    space("types", {"SimpleNamespace": Builtin("SimpleNamespace", builtins._simple_namespace)},
          lambda member: Opaque(f"types.{member}"))
    space("typing", {"cast": Builtin("typing.cast", lambda i, a, k, n: a[1]),
                     **{name: Builtin(f"typing.{name}", builtins._opaque_call) for name in (
                         "Sequence", "List", "Tuple", "Iterable", "MutableSequence")}},
          lambda member: Opaque(f"typing.{member}"))
    numpy = {name: Builtin(f"np.{name}", fn) for name, fn in builtins._MATH.items()}
    numpy.update({"prod": Builtin("np.prod", builtins._MATH["prod"]), "sum": Builtin("np.sum", builtins._sum),
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
    "torch.nn.parallel": "parallel", "keras.src.layers": "layers", "keras.src.ops": "ops",
    **zoo.ALIASES,
}


# names the spec language knows without an import
_SPEC_GLOBALS = {"nn": "nn", "torch": "torch", "F": "F", "layers": "layers", "keras": "keras",
                 "tf": "tf", "math": "math", "OrderedDict": "collections"}




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


def _layer_summary(interp, instance, args, kwargs, node):
    """d2l's layer_summary(X_shape): each layer of self.net applied to a tensor of that
    shape. The model's input, when the spec declares none."""
    shape = tuple(interp.iterate(args[0], node))
    x = interp.header_inputs[0][1] if interp.header_inputs else (
        interp.code_inputs[0] if interp.code_inputs else code_input(interp, "X", tuple(
            size(interp, d, node) for d in shape), node))
    return interp.apply_module(instance, [x], {}, node, None)


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
                raise interp.error(f"nn.{kind} holds modules, got {arithmetic.describe(item)}", node)
        container = Container(kind, PYTORCH, [] if names else items, interp.span(node),
                              interp.text(node))
        for name, item in zip(names or (), items):
            container.add(item, name)
        return container

    return make


class LossModule(Module):
    """nn.MSELoss(), nn.CrossEntropyLoss(): the training loop's criterion, not part of the
    model: applied, it gives the loss (a scalar, or per element with reduction='none')."""

    def __init__(self, name: str, reduction) -> None:
        super().__init__()
        self.name = name
        self.reduction = reduction
        self.framework = PYTORCH

    @property
    def type_name(self) -> str:
        return self.name


def _loss_module(interp, args, kwargs, node):
    return LossModule(interp.text(node.func), kwargs.get("reduction", "mean"))


def _wrapped(interp, args, kwargs, node):
    return args[0] if args else kwargs.get("module", kwargs.get("model"))


def _data_parallel(interp, args, kwargs, node):
    module, given = args[0], args[1] if len(args) > 1 else kwargs.get("inputs")
    return interp.apply_module(module, [given], {}, node, None)


def _summary(batch: tuple):
    """torchinfo.summary(model, input_size=(1, 3, 224, 224)) (batch included), or
    torchsummary.summary(model, (3, 224, 224)) (without: it runs a batch of 2): where the
    spec declares no input, the input it gives."""
    def summary(interp, args, kwargs, node):
        shape = kwargs.get("input_size", args[1] if len(args) > 1 else None)
        if isinstance(shape, (tuple, list)) and shape and not interp.header_inputs and \
                not interp.code_inputs and all(arithmetic.is_integer(d) for d in shape):
            code_input(interp, "input", (*batch, *shape), node)
        return Opaque(interp.text(node), harmless=True)

    return summary


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
    dtype = kwargs.get("dtype")
    dtype = dtype_kind(dtype) if isinstance(dtype, str) else "float"
    dims = (batch, *(size(interp, d, node, keras=True) for d in shape))
    # a library model's own Input (keras.applications) is never the one an `input:` line says
    return code_input(interp, str(kwargs.get("name") or "input"), dims, node, dtype,
                      claim=not hasattr(node, "prelude_source"))


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
    if not arithmetic.is_integer(value):
        raise interp.error(f"a size must be a positive integer or a symbol, got {value!r}",
                           node)
    if algebra.truth(value >= 1) is False:
        raise interp.error(f"a size must be a positive integer, got {value}", node)
    return value


def code_input(interp, name: str, dims: tuple, node, dtype: str = "float",
               claim: bool = True) -> Tensor:
    """An input made in the code (keras.Input, torch.randn at the top level). An `input:`
    line that says the same is the same input."""
    for index, (header_name, tensor) in enumerate(interp.header_inputs if claim else ()):
        if header_name in interp.claimed_inputs:
            continue
        if _same_shape(tensor.shape, dims):
            interp.claimed_inputs.add(header_name)
            interp.header_inputs[index] = (header_name, tensor.replace(dtype=dtype))
            interp.network.declared_dtypes[header_name] = dtype
            return interp.header_inputs[index][1]
        raise interp.error(f"`input:` declares {algebra.show_shape(tensor.shape)} but the code "
                           f"makes {algebra.show_shape(dims)}; keep one of them", node)
    taken = {n for n, _ in interp.network.inputs}
    while name in taken:  # a notebook makes several tensors at the top level
        name = interp.network.auto_name(name)
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


def input_tensor(interp, name: str, value, node, header: bool,
                 dtype: str | None = None) -> Tensor:
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
    return interp.network.declare_input(name, dims, dtype)


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
        if not isinstance(value, tuple) or not all(arithmetic.is_integer(v) or v is None for v in value):
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
    if isinstance(value, Opaque) and not value.text.endswith(("Module", "Model", "Layer")):
        return FrameworkBase("", value.text, "plain")  # typing.NamedTuple, a helper base
    if isinstance(value, Opaque) and value.text.endswith(("Module", "Model", "Layer")):
        framework = KERAS if value.text.startswith(("keras", "tf")) else interp.convention
        return FrameworkBase(framework, value.text, "module" if framework == PYTORCH else "keras")
    if isinstance(value, UnknownLayer):
        raise interp.error(f"this class derives from `{value.dotted}`, for which shapecalc has "
                           "no rule; run `shapecalc layers` for the supported layers", node)
    if isinstance(value, LayerClass):  # class LayerNorm2d(nn.LayerNorm): the layer inside
        return FrameworkBase(value.rule.framework, value.rule.name, "layer")
    return FrameworkBase("", arithmetic.describe(value), "plain")


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
    if isinstance(func, Opaque) and (func.harmless or isinstance(func, (objects.WeightRef, objects.ParamHandle))):
        return Opaque(interp.text(node), harmless=True)  # layer.weight.data.uniform_(...)
    if isinstance(func, Opaque):
        prefix, _, last = func.text.rpartition(".")
        if func.unbound and last == "add" and len(args) == 1 and isinstance(args[0], Module):
            return args[0]  # `model.add(layer)` with no model defined: the chain's next layer
        if func.unbound and prefix and any((fw, last) in REGISTRY for fw in (PYTORCH, KERAS)):
            raise interp.error(f"unknown prefix `{prefix}.`; known prefixes: nn., torch.nn., "
                               "F., layers., keras.layers., tf.keras.layers. (or import it)",
                               node)
        result = Opaque(interp.text(node))
        if any(isinstance(a, (Tensor, Parameter)) for a in (*args, *kwargs.values())):
            # save_image(x), plt.imshow(x): harmless while nothing uses the result as a tensor
            result.unknown_call = (func.text, interp.span(node))
        return result
    if isinstance(func, FrameworkBase):
        return Opaque(func.name)
    if isinstance(func, objects._Super):
        raise interp.error("super() is not callable", node)
    if isinstance(func, Unbound):
        if any(isinstance(a, (Tensor, Parameter)) for a in (*args, *kwargs.values())):
            raise interp.error(f"unknown function `{func.name}` applied to a tensor; define it "
                               "in the spec", node)
        return Opaque(f"{func.name}(...)")
    if arithmetic._is_expr(func) and getattr(func, "is_Symbol", False):
        if any(isinstance(a, (Tensor, Parameter, Module)) for a in (*args, *kwargs.values())):
            raise interp.error(f"unknown function `{func}` applied to a tensor or module; "
                               "define it in the spec", node)
        return Opaque(f"{func}(...)")
    raise interp.error(f"{arithmetic.describe(func)} is not callable", node)


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
    if type(value) in _PLAIN:
        return value
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
            getattr(value, "name", None) or arithmetic.describe(value)
        return Reference(str(text))
    if isinstance(value, (Tensor, Parameter)):
        return Reference(arithmetic.describe(value))
    return value


_PLAIN = {int, float, str, bool, type(None)}


def _parsed(text: str):
    """`regularizers.l2(1e-4)` as our syntax tree, for export; None if it is not a call
    of literals."""
    from shapecalc.spec.reader import _parse_expression

    try:
        node = _parse_expression(text, 1, 1, text)
    except SpecError:
        return None
    if not isinstance(node, S.Call) or not isinstance(node.func, S.Name) or \
            node.func.parts[0] not in _CONFIGURATION_MODULES:
        return None  # only the frameworks' configuration objects are written back as code
    values = [*node.args, *(k.value for k in node.keywords)]
    return node if all(_is_literal(v) for v in values) else None


# modules whose objects a layer takes as configuration (regularizers.l2(1e-4))
_CONFIGURATION_MODULES = {"regularizers", "initializers", "constraints", "activations",
                          "keras", "tf", "tensorflow"}


def _is_literal(node) -> bool:
    if isinstance(node, (S.Number, S.String, S.Constant)):
        return True
    if isinstance(node, S.UnaryOp):
        return _is_literal(node.operand)
    return isinstance(node, S.Sequence) and all(_is_literal(i) for i in node.items)


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


