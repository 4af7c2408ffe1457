"""What values answer: attributes, items and methods of modules, tensors and plain data,
and setting them. Every attribute a program can reach is listed here; nothing is looked
up on a real Python object."""

from __future__ import annotations

import re

from shapecalc import algebra
from shapecalc.interpret import arithmetic, builtins, frameworks, tensors
from shapecalc.interpret.modules import Container, FunctionalModel, Instance, LayerModule, Module
from shapecalc.interpret.values import (BoundMethod, Builtin, FrameworkBase, Function, Namespace, Opaque,
                                        Parameter, Tensor, Unbound, UserClass, concrete)
from shapecalc.layers.base import KERAS


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


_TORCH_MODULE_METHODS = {"to", "cuda", "cpu", "float", "double", "half", "bfloat16",
                         "share_memory", "type"}


_IGNORED_METHODS = {"zero_grad", "load_state_dict", "compile", "fit", "evaluate", "predict",
                    "save", "save_weights", "load_weights", "summary", "register_forward_hook",
                    "register_backward_hook", "register_forward_pre_hook", "state_dict",
                    "reset_parameters", "init_weights", "_init_weights", "initialize",
                    "get_config", "build_from_config", "set_weights", "get_weights",
                    "plot", "fit_generator", "apply_init", "pop"}


def attribute(interp, receiver, name: str, node):
    if isinstance(receiver, builtins.Options):
        if name not in receiver.members:
            raise interp.error(f"the options have no `{name}` (defined: "
                               f"{', '.join(receiver.members) or 'none'})", node)
        return receiver.members[name]
    if isinstance(receiver, Namespace):
        found = receiver.lookup(name)
        if found is None:
            raise interp.error(f"`{receiver.name}.{name}` is not known to shapecalc", node)
        return found
    if isinstance(receiver, _Super):
        return _super_attribute(interp, receiver, name, node)
    if isinstance(receiver, builtins._FrameRef):
        if name == "f_back":
            return builtins._FrameRef(receiver.index - 1)
        raise interp.error(f"a frame has no attribute `{name}` here", node)
    if isinstance(receiver, (Tensor, Parameter)):
        return tensors.attribute(interp, receiver, name, node)
    if name == "__class__":
        return builtins._type(interp, [receiver], {}, node)
    if name == "__doc__" and isinstance(receiver, (UserClass, Builtin, Function, Module)):
        return ""  # documentation, not read here
    if name == "__name__" and isinstance(receiver, (UserClass, frameworks.LayerClass, Builtin, Function)):
        return receiver.rule.name if isinstance(receiver, frameworks.LayerClass) else receiver.name
    if isinstance(receiver, Module):
        return _module_attribute(interp, receiver, name, node)
    if isinstance(receiver, FrameworkBase) and name == "__init__":  # nn.Module.__init__(self)
        return Builtin("__init__", lambda i, a, k, n: frameworks.base_init(i, a[0], a[1:], k, n)
                       if len(a) > 1 else None)
    if isinstance(receiver, UserClass):
        value = receiver.lookup(name)
        if value is None:
            raise interp.error(f"class `{receiver.name}` has no attribute `{name}`", node)
        if isinstance(value, Function) and value.kind == "classmethod":
            return BoundMethod(value, receiver)
        return value
    if isinstance(receiver, (frameworks.LayerClass, frameworks.UnknownLayer)):
        return Opaque(f"{receiver.dotted}.{name}")  # a static helper such as a mask maker
    if isinstance(receiver, Opaque):
        harmless = receiver.harmless or isinstance(receiver, (WeightRef, ParamHandle))
        derived = Opaque(f"{receiver.text}.{name}", receiver.unbound, harmless)
        derived.unknown_call = getattr(receiver, "unknown_call", None)  # its origin
        return derived
    if isinstance(receiver, builtins.NamedTuple) and name in receiver.fields:
        return receiver[receiver.fields.index(name)]
    method = _DATA_METHODS.get((_kind(receiver), name))
    if method is not None:
        return Builtin(name, method, bound=receiver)
    raise interp.error(f"{arithmetic.describe(receiver)} has no attribute `{name}`", node)


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
        return interp.network.training if module.training is None else module.training
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
            return _as_stored(module, name, argument.value)
        if name in ("kernel", "running_mean", "running_var", "weight_ih_l0", "weight_hh_l0"):
            return Opaque(f"{module.source}.{name}")
    if isinstance(module, FunctionalModel):
        if name in ("output", "outputs"):
            return module.outputs
        if name in ("input", "inputs"):
            return module.inputs
        if name == "layers":
            return _functional_layers(interp, module)
    if isinstance(module, Container) and module.framework == KERAS and name == "layers":
        return [item for item in module.items if isinstance(item, Module)]
    if isinstance(module, Container) and name in module.names:  # nn.Sequential(OrderedDict)
        return dict(module.children())[name]
    method = _MODULE_METHODS.get(name)
    if method is not None:
        return Builtin(name, method, bound=module)
    if isinstance(module, Instance) and any(
            b.kind == "net" for b in module.cls.framework_bases()):
        if name == "layer_summary":
            return Builtin(name, frameworks._layer_summary, bound=module)
        if name in ("net",):
            raise interp.error(f"`{module.type_name}` has no attribute `net` (d2l's models "
                               "set self.net in __init__)", node)
        return Builtin(name, _result_unknown, bound=module)  # d2l's training kit
    if name in ("train", "eval") and module.framework == "pytorch" and module.parent is None:
        return Builtin(name, _set_mode(name), bound=module)
    if name in _TORCH_MODULE_METHODS or name in ("train", "eval"):
        return Builtin(name, _module_mode, bound=module)
    if name in _IGNORED_METHODS or name.startswith("register_") and name.endswith("hook"):
        return Builtin(name, _result_unknown, bound=module)
    if isinstance(module, Container):
        method = _DATA_METHODS.get(("list", name))
        if method is not None and not isinstance(module.items, dict):
            return Builtin(name, lambda i, m, a, k, n, method=method: _container_list_call(
                i, m, method, a, k, n), bound=module)
        if isinstance(module.items, dict) and (("dict", name) in _DATA_METHODS):
            return Builtin(name, lambda i, m, a, k, n, key=name: _DATA_METHODS[("dict", key)](
                i, m.items, a, k, n), bound=module)
    raise interp.error(f"`{module.type_name}` has no attribute `{name}`", node)




_CONV_TUPLES = {"kernel_size", "stride", "padding", "dilation", "output_padding"}


def _as_stored(module: LayerModule, name: str, value):
    """An argument as the module keeps it: PyTorch's convolutions store kernel_size,
    stride, padding and dilation as tuples (nn.Conv2d(3, 8, 3).kernel_size == (3, 3))."""
    kind = module.rule.name
    if module.framework == "pytorch" and name in _CONV_TUPLES and kind[-2:] in ("1d", "2d", "3d") \
            and kind.startswith(("Conv", "LazyConv")) and arithmetic.is_integer(value):
        return (value,) * int(kind[-2])
    return value


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
        container.names = []  # positions renumber, as in nn.ModuleList.insert
        for i, item in enumerate(container.items):
            if isinstance(item, Module) and item.parent is container:
                item.attr = str(i)
        container.adopt(args[1], str(args[0]))
        return None
    return method(interp, container.items, args, kwargs, node)


def _result_unknown(interp, module, args, kwargs, node):
    """model.fit(...), model.evaluate(...): their results (a history, scores) are not
    shapes; they are carried along as unknown values."""
    return Opaque(interp.text(node), harmless=True)


def _module_mode(interp, module, args, kwargs, node):
    return module


def _set_mode(name: str):
    """`model.eval()` / `model.train(False)` on a model (a module no other holds): as in
    PyTorch, its layers run in that mode from then on, whatever --mode says."""
    def set_mode(interp, module, args, kwargs, node):
        mode = (args[0] if args else kwargs.get("mode", True)) if name == "train" else False
        interp.network.training = mode is not False
        return module
    return set_mode


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
        return Builtin("__init__", lambda i, a, k, n: frameworks.base_init(i, instance, a, k, n))
    return _module_attribute(interp, instance, name, node)


def _super_context(interp, proxy: _Super, node):
    if len(proxy.args) == 2:
        cls, instance = proxy.args
        return instance, cls
    frame_self = interp.current_self()
    if frame_self is None:
        raise interp.error("super() outside a method", node)
    return frame_self


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
    """Keras' model.build((None, 28, 28, 1)): where the spec declares no input, this one."""
    shape = args[0] if args else kwargs.get("input_shape")
    if isinstance(shape, (tuple, list)) and shape and not interp.header_inputs and \
            not interp.code_inputs and module.framework == KERAS:
        dims = tuple(frameworks.size(interp, d, node, keras=True) for d in shape[1:])
        frameworks.code_input(interp, "input", (None, *dims), node)
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


def _set_trainable(interp, rows, trainable: bool) -> None:
    """Keras' `trainable` set after the layers were built (`base.trainable = False`,
    `for layer in base.layers[:100]: layer.trainable = False`): their recorded rows change;
    set back to True, they count as built (BatchNormalization's statistics stay
    non-trainable)."""
    layers = interp.network.layers
    built = interp.built_counts
    for index in rows:
        row = layers[index]
        trained, fixed = built.setdefault(row.name, (row.trainable, row.non_trainable))
        layers[index] = row.replace(trainable=trained, non_trainable=fixed) if trainable \
            else row.replace(trainable=0, non_trainable=trained + fixed)


def _graph_rows(interp, model: FunctionalModel) -> list[int]:
    return sorted(i for i in interp.rows_between(model.outputs)
                  if interp.network.layers[i].type not in ("Parameter", "Buffer"))


def _functional_layers(interp, model: FunctionalModel) -> list:
    """`model.layers` of a functional Keras model: its InputLayer(s), then each layer of
    its graph once, in the order they were built."""
    modules = {getattr(m, "row_name", None): m for m in interp.constructed}
    found = [Opaque("InputLayer") for _ in _flat_tensors(model.inputs)]
    seen = set()
    for index in _graph_rows(interp, model):
        name = interp.network.layers[index].name
        module = modules.get(name)
        if module is None:  # layers.add([a, b]), layers.concatenate(...): a layer each
            found.append(Opaque(name))
        elif id(module) not in seen:
            seen.add(id(module))
            found.append(module)
    return found


def move_rows_last(interp, model: FunctionalModel) -> None:
    """A library Keras model's rows, built where it was made, move to where it is applied,
    as Keras' summary lists a nested model."""
    layers = interp.network.layers
    moved = set(_graph_rows(interp, model))
    order = [row for i, row in enumerate(layers) if i not in moved] + \
        [row for i, row in enumerate(layers) if i in moved]
    layers[:] = [row.replace(index=i + 1) for i, row in enumerate(order)]


def rebuild_functional(interp, model: FunctionalModel, shape: tuple) -> None:
    """A library Keras model called on another input shape: its layers, built again on that
    shape, replace the first build (frozen as the model is)."""
    layers = interp.network.layers
    old = set(_graph_rows(interp, model))
    layers[:] = [row.replace(index=i + 1) for i, row in
                 enumerate(row for i, row in enumerate(layers) if i not in old)]
    new = model.rebuild(tuple(shape))
    model.inputs, model.outputs = new.inputs, new.outputs
    if getattr(model, "frozen", False):
        _set_trainable(interp, _graph_rows(interp, model), False)


def _flat_tensors(value) -> list:
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flat_tensors(v)]
    return [value] if isinstance(value, Tensor) else []


def set_attribute(interp, receiver, name: str, value, node) -> None:
    if isinstance(receiver, builtins.Options):
        receiver.members[name] = value
        return
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
    if isinstance(receiver, FunctionalModel) and name == "trainable" and isinstance(value, bool):
        _set_trainable(interp, _graph_rows(interp, receiver), value)
    elif isinstance(receiver, LayerModule) and receiver.framework == KERAS and \
            name == "trainable" and isinstance(value, bool) and receiver.applied:
        row_name = getattr(receiver, "row_name", None)
        _set_trainable(interp, [i for i, row in enumerate(interp.network.layers)
                                if row.name == row_name], value)
    if isinstance(receiver, Module):
        if name == "trainable":
            receiver.frozen = value is False
        elif name in ("training",):
            receiver.training = bool(value)
        return  # other flags (inplace, requires_grad) change no count
    if isinstance(receiver, UserClass):
        receiver.namespace[name] = value
        return
    if isinstance(receiver, Namespace):
        return  # torch.backends.cudnn.benchmark = True: a setting, nothing counted
    if isinstance(receiver, (Builtin, Function)) and name.startswith("__"):
        return  # __annotations__, __doc__ on a namedtuple or a function: nothing counted
    if isinstance(receiver, ParamHandle) and name == "requires_grad":
        receiver.module.frozen = value is False  # the layer's weights stop training
        return
    if isinstance(receiver, (Opaque, Parameter)):
        if isinstance(receiver, Parameter) and name == "requires_grad":
            receiver.kind = "trainable" if value else "non_trainable"
        return
    raise interp.error(f"cannot set attribute `{name}` on {arithmetic.describe(receiver)}", node)


def get_item(interp, receiver, key, node):
    key = concrete(key)
    if isinstance(receiver, Unbound) and (type(key) is int or arithmetic.is_integer(key)):
        from shapecalc.symbolic import indexed

        return indexed(receiver.name, key)  # k[i]: one symbol per layer of a loop
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
        if isinstance(key, (Tensor, Parameter, Opaque)):
            return Opaque(interp.text(node))  # a value picked by a tensor: not a shape
        if isinstance(key, slice):
            return receiver[_plain_slice(interp, key, node)]
        return _index(interp, receiver, key, node)
    if isinstance(receiver, Opaque):
        item = Opaque(f"{receiver.text}[...]")
        item.contents = getattr(receiver, "contents", None)
        return item
    raise interp.error(f"{arithmetic.describe(receiver)} is not subscriptable", node)


def _missing(interp, receiver, key, node):
    raise interp.error(f"`{receiver.type_name}` has no module {key!r}", node)


def _plain_slice(interp, key: slice, node) -> slice:
    for part in (key.start, key.stop, key.step):
        if part is not None and type(part) is not int:
            raise interp.error(f"slice indices must be integers, got {arithmetic.describe(part)}", node)
    if key.step == 0:
        raise interp.error("slice step cannot be zero", node)
    return key


def _index(interp, items, key, node):
    if isinstance(key, bool) or type(key) is not int:
        raise interp.error(f"indices must be integers, not {arithmetic.describe(key)}", node)
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
        raise interp.error(f"{arithmetic.describe(receiver)} does not support item assignment", node)


def hashable(interp, key, node):
    if isinstance(key, list):
        raise interp.error("a list cannot be a dict key", node)
    try:
        hash(key)
    except TypeError:
        raise interp.error(f"{arithmetic.describe(key)} cannot be a dict key", node) from None
    return key


def as_dict(interp, value, node) -> dict:
    if isinstance(value, dict):
        return value
    raise interp.error(f"`**` needs a dict, got {arithmetic.describe(value)}", node)


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
        if arithmetic.compare(interp, "Eq", item, args[0], node):
            return i
    raise interp.error(f"{args[0]!r} is not in the list", node)


def _count_of(interp, items, args, kwargs, node):
    return sum(1 for item in items if arithmetic.compare(interp, "Eq", item, args[0], node))


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
        items.update(builtins._dict(interp, args[:1], {}, node))
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
        if isinstance(result, str) and len(result) > frameworks.MAX_STRING:
            raise interp.error(f"a string longer than {frameworks.MAX_STRING:,} characters", node)
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


def format_value(interp, value, spec: str, node, _within: tuple = ()) -> str:
    """str() / format() of a value, with a format spec of bounded width, at most
    MAX_STRING characters long (``_within``: the containers being formatted, so that a list
    holding itself reads ``[...]`` as in Python)."""
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
        if any(value is outer for outer in _within):
            return "[...]"
        parts, length = [], 0
        for item in value:
            parts.append(format_value(interp, item, "", node, (*_within, value)))
            length += len(parts[-1]) + 2
            if length > frameworks.MAX_STRING:
                raise interp.error(f"a string longer than {frameworks.MAX_STRING:,} "
                                   "characters", node)
        inner = ", ".join(parts)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    return arithmetic.describe(value) if not arithmetic._is_expr(value) else str(value)


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
