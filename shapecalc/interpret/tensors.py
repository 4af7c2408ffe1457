"""Tensors in spec code: applying modules to them, their methods and the framework
functions over them (``x.view``, ``torch.cat``, ``F.relu``, ``keras.ops.mean``, einops).

The shapes come from ``tensor_functions`` (pure, PyTorch's rules and refusals) or from the
layer rules; here each call is read (arguments as the framework binds them) and recorded
as a row. Functions that have a layer (``F.relu`` is ``nn.ReLU``, ``torch.cat`` the ``cat``
merge, ``x + y`` the ``add`` merge) are recorded as that layer, so that they read as the
same row however they are written. Shape-preserving element-wise functions (``exp``,
``clamp``, ``x * 0.5``) make no row: they change no shape, weight or counted FLOP.
"""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.errors import LayerError, SpecError
from shapecalc.interpret import tensor_functions as tf_
from shapecalc.interpret.modules import (Container, FunctionalModel, Instance, LayerModule, Module,
                                         Repeated)
from shapecalc.interpret.values import (UNSTATED, Builtin, Function, Opaque, Parameter, Tensor,
                                        concrete)
from shapecalc.layers.base import GLOBAL, KEEP, KERAS, PYTORCH, REGISTRY
from shapecalc.spec.reader import dtype_kind

_PROBE = 64


class Outputs(tuple):
    """What a layer with several outputs returns (LSTM's `(output, (h, c))`). Unpacked
    or indexed it is a tuple; where one tensor is expected (`nn.Linear(...)(y)` in a spec's
    chain) it stands for its first output, the one a layer list follows."""


def as_tensor(interp, value, node) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Outputs):
        return as_tensor(interp, value[0], node)
    if isinstance(value, Parameter):
        return value.tensor
    refuse_unknown(value)
    raise interp.error(f"expected a tensor, got {_describe(value)}", node)


def refuse_unknown(value) -> None:
    """A function shapecalc does not know was applied to a tensor, and its result is used
    as one: refused where that call stands."""
    from shapecalc.errors import SpecError

    made_by = getattr(value, "unknown_call", None)
    if made_by is not None:
        name, span = made_by
        raise SpecError(f"shapecalc does not know `{name}`, which is applied to a tensor "
                        "here and whose result is used as a tensor", span)


def made(interp, shape, kind: str = "tensor", dtype: str = "float") -> Tensor:
    """A tensor the code makes (torch.zeros in forward, an initial state, a parameter's
    data), under a name of its own so that verify can make it too."""
    return Tensor(tuple(shape), None, interp.network.auto_name(kind), dtype)


def _describe(value) -> str:
    from shapecalc.interpret.arithmetic import describe

    return describe(value)


def _op(interp, node, fn, *args, **kwargs):
    """A tensor function's result, its refusal located at the call."""
    args = concrete(args)
    kwargs = {k: concrete(v) for k, v in kwargs.items()}
    try:
        return fn(*args, **kwargs)
    except tf_.TensorOpError as error:
        raise interp.error(f"`{interp.text(node)}`: {error.message}", node) from None
    except tf_.NotModelled as error:
        raise interp.error(f"`{interp.text(node)}`: shapecalc cannot follow this: "
                           f"{error.message}", node) from None
    except (TypeError, ValueError, ArithmeticError) as error:
        raise interp.error(f"`{interp.text(node)}`: cannot be analysed: {error}", node) from None


def _plain_literal(value: object) -> bool:
    return value is None or type(value) in (bool, int, float, str)


INDICES = ("int", UNSTATED)  # what an Embedding or F.one_hot reads


def _row(interp, kind: str, node, inputs, shape, macs=0, receptive=GLOBAL, dtype=None,
         call=None) -> Tensor:
    """Record a tensor function's row; ``call`` is its (args, kwargs), kept (without the
    tensors, which are its inputs) so that verify can make the same call."""
    arguments = ()
    if call is not None:
        args, kwargs = call
        arguments = (("args", tuple(_plain_argument(a) for a in args)),
                     ("kwargs", tuple((k, _plain_argument(v)) for k, v in kwargs.items())))
    if dtype is None and inputs:
        dtype = inputs[0].dtype  # views and indexing keep the dtype
    return interp.network.record(kind, interp.text(node), interp.span(node), list(inputs),
                                 tuple(shape), macs=macs, receptive=receptive,
                                 block=interp.block(), dtype=dtype, arguments=arguments)


def _plain_argument(value):
    if isinstance(value, (list, tuple)):
        return tuple(_plain_argument(v) for v in value)
    if isinstance(value, (Tensor, Parameter, Opaque)) or callable(value):
        return None
    return value


# -- applying modules ---------------------------------------------------------------------

_TUPLE_FAMILIES = ("recurrent", "attention", "transformer")
# PyTorch modules whose forward takes these many tensors, then masks
_LEADING_TENSORS = {"Transformer": 2, "TransformerDecoderLayer": 2, "TransformerDecoder": 2,
                    "MultiheadAttention": 3}


def apply_module(interp, module: Module, args, kwargs, node, frame):
    given = _flat(args)
    if given and all(isinstance(a, Opaque) and a.harmless for a in given):
        return Opaque(interp.text(node), harmless=True)  # net(images) on a loader's batch
    if interp.convention == PYTORCH and isinstance(interp.model, Instance):
        if not _registered(interp, module):
            interp.unregistered += 1  # PyTorch does not count what the model does not hold
            try:
                return _apply(interp, module, args, kwargs, node)
            finally:
                interp.unregistered -= 1
        if isinstance(module, Container) and not isinstance(module.items, dict):
            # nn.Sequential(*list(backbone.children())[:-1]): the model holds the modules of
            # another (unheld) model through this container
            held = {id(d) for item in module.items if isinstance(item, Module) and
                    not _registered(interp, item) for d in item.descendants()}
            if held:
                interp.held |= held
                try:
                    return _apply(interp, module, args, kwargs, node)
                finally:
                    interp.held -= held
    return _apply(interp, module, args, kwargs, node)


def _registered(interp, module: Module) -> bool:
    from shapecalc.interpret.frameworks import _NESTED

    node = module
    while node is not None:
        if node is interp.model or node is _NESTED or id(node) in interp.held:
            return True
        node = node.parent
    return False


def _apply(interp, module: Module, args, kwargs, node):
    from shapecalc.interpret.frameworks import LossModule

    if isinstance(module, LossModule):
        return loss(interp, as_tensor(interp, args[0], node), module.reduction)
    if isinstance(module, LayerModule):
        return _apply_layer(interp, module, args, kwargs, node)
    if isinstance(module, Container):
        return _apply_sequential(interp, module, args, kwargs, node)
    if isinstance(module, Repeated):
        from shapecalc.interpret import loops

        return loops.apply_repeated(interp, module, as_tensor(interp, args[0], node), node)
    if isinstance(module, Instance):
        return _apply_instance(interp, module, args, kwargs, node)
    if isinstance(module, EinopsLayer):
        return apply_einops_layer(interp, module, args, node)
    if isinstance(module, FunctionalModel):
        given = [t for t in _flat(args) if isinstance(t, Tensor)]
        inputs = [t for t in _flat([module.inputs]) if isinstance(t, Tensor)]
        library = getattr(module, "rebuild", None) is not None  # a keras.applications model
        from shapecalc.interpret import objects
        if library and len(given) == 1 and [t.shape for t in given] != [t.shape for t in inputs]:
            objects.rebuild_functional(interp, module, given[0].shape[1:])
            inputs = [t for t in _flat([module.inputs]) if isinstance(t, Tensor)]
        if given and [t.shape for t in given] != [t.shape for t in inputs]:
            raise interp.error("a functional keras.Model applied to an input of another shape "
                               "is not supported; build the layers on that input", node)
        for inner, outer in zip(inputs, given):  # its graph continues from these tensors
            interp.aliases.setdefault(inner.source, set()).add(outer.source)
        if library:
            objects.move_rows_last(interp, module)  # shown where it is applied
        return module.outputs
    raise interp.error(f"{_describe(module)} cannot be applied", node)


def _flat(values) -> list:
    out = []
    for value in values:
        if isinstance(value, Outputs):
            out.append(value[0])
        elif isinstance(value, (list, tuple)):
            out.extend(_flat(value))
        else:
            out.append(value)
    return out


def _apply_layer(interp, module: LayerModule, args, kwargs, node):
    rule = module.rule
    if len(args) == 1 and not kwargs and type(args[0]) is Tensor:  # the common case
        positional = tensors = [args[0]]
    else:
        positional = [as_tensor(interp, v, node) if isinstance(v, Parameter) else v
                      for v in _flat(args)]
        tensors = [v for v in positional if isinstance(v, Tensor)]
    if kwargs and rule.framework == KERAS and rule.name == "MultiHeadAttention":
        for key in ("query", "value", "key"):
            if isinstance(kwargs.get(key), Tensor):
                tensors.append(kwargs[key])
    for key in ("input", "inputs", "x", "src", "tgt", "query"):
        if kwargs and not tensors and isinstance(kwargs.get(key), Tensor):
            tensors.append(kwargs[key])
    if kwargs and rule.framework == PYTORCH and rule.family == "transformer" and \
            isinstance(kwargs.get("memory"), Tensor):
        tensors.append(kwargs["memory"])
    if not tensors:
        for value in positional:
            refuse_unknown(value)
        raise interp.error(f"`{module.source}` is applied to {_describe(args[0]) if args else 'nothing'}"
                           ", not to a tensor", node)
    if rule.merge and rule.name in _LEADING_TENSORS and rule.framework == PYTORCH:
        tensors = tensors[:_LEADING_TENSORS[rule.name]]  # the rest are masks
    if not rule.merge and len(tensors) > 1:
        if rule.family not in _TUPLE_FAMILIES:
            raise interp.error(f"`{module.source}` takes one input tensor, got {len(tensors)}",
                               node)
        extra = tensors[1:]
        tensors = tensors[:1]
    else:
        extra = []
    if rule.framework == PYTORCH and rule.name == "Embedding" and tensors[0].dtype not in INDICES:
        network = interp.network
        network.refuse(network.next_index(None), module.span, _row_name(interp, module),
                       rule.name, module.source, tensors,
                       tuple((k, a.value) for k, a in module.arguments.items() if a.given))
        raise interp.error(f"`{module.source}` needs integer token indices, but its input is a "
                           f"{tensors[0].dtype} tensor (PyTorch refuses: Expected tensor for "
                           "argument #1 'indices' to have one of the following scalar types: "
                           "Long, Int)", node)
    name = _row_name(interp, module)
    shared = module.applied or interp.unregistered > 0
    from shapecalc.interpret.frameworks import evaluate_argument

    try:
        tensor = interp.network.apply(rule, module.arguments, module.span, module.source,
                                      tensors, name=name, block=interp.block(), shared=shared,
                                      evaluate=evaluate_argument)
    except LayerError as error:
        index = interp.network.next_index(None)
        if name != getattr(module, "row_name", None):  # a module of the model: its path
            error.message = error.message.replace(f"layer {index} ", f"layer {index} ({name}) ", 1)
        if interp.span(node) and module.span and interp.span(node).line != module.span.line:
            error.message += f"\n  applied at line {interp.span(node).line}"
        raise
    module.applied = True
    keywords = tuple((k, v) for k, v in kwargs.items() if _plain_literal(v))
    if keywords:  # need_weights=False: verify calls the module as the code does
        interp.network.layers[-1] = interp.network.layers[-1].replace(call_keywords=keywords)
    if getattr(module, "tied", None) is not None and not shared:
        last = interp.network.layers[-1]  # its weight is the other layer's, counted there
        interp.network.layers[-1] = last.replace(trainable=last.trainable - _weight_count(module))
    if _frozen(module):
        last = interp.network.layers[-1]
        interp.network.layers[-1] = last.replace(
            trainable=0, non_trainable=last.trainable + last.non_trainable)
    return _outputs(interp, module, tensor, tensors[0], kwargs, extra)


def _weight_count(module: LayerModule):
    """Elements of a Linear's or an Embedding's weight matrix (what weight tying shares)."""
    args = {k: a.value for k, a in module.arguments.items()}
    for rows, columns in (("out_features", "in_features"), ("num_embeddings", "embedding_dim")):
        if rows in args:
            return args[rows] * args[columns]
    return 0


def _row_name(interp, module: Module) -> str:
    from shapecalc.interpret.frameworks import _NESTED

    parent = module.parent
    if getattr(module, "row_name", None) is not None:
        return module.row_name
    if module.framework == PYTORCH and parent is not None and parent is not _NESTED and \
            not (isinstance(parent, Container) and parent.parent is None):
        return module.path()  # as named_modules() names it; a bare Sequential's items not
    name = getattr(module, "row_name", None)
    if name is None:
        arguments = module.arguments if isinstance(module, LayerModule) else None
        name = interp.network.auto_name(module.type_name, arguments)
        module.row_name = name
    return name


def _frozen(module: Module) -> bool:
    node = module
    while node is not None:
        if getattr(node, "frozen", False):
            return True
        node = node.parent
    return False


def _outputs(interp, module: LayerModule, out: Tensor, x: Tensor, kwargs, extra):
    """What the framework's module returns: a tuple for PyTorch's recurrent layers and
    attention, Keras' recurrent layers with return_state."""
    if module.rule.family not in ("recurrent", "attention", "pooling"):
        return out  # one output
    name = module.rule.name
    args = {k: a.value for k, a in module.arguments.items()}
    if module.framework == PYTORCH and name in ("LSTM", "GRU", "RNN"):
        layers = args["num_layers"] * (2 if args.get("bidirectional") else 1)
        hidden = args["hidden_size"]
        projected = args.get("proj_size") or 0
        h_size = projected if name == "LSTM" and algebra.truth(projected > 0) else hidden
        if len(x.shape) == 3:
            batch = x.shape[0] if args.get("batch_first") else x.shape[1]
            h = made(interp, (layers, batch, h_size), "h_n")
            c = made(interp, (layers, batch, hidden), "c_n")
        else:
            h = made(interp, (layers, h_size), "h_n")
            c = made(interp, (layers, hidden), "c_n")
        return Outputs((out, (h, c))) if name == "LSTM" else Outputs((out, h))
    if module.framework == PYTORCH and name == "LSTMCell":
        return Outputs((out, out))
    if module.framework == PYTORCH and name == "MultiheadAttention":
        if kwargs.get("need_weights") is False:
            return Outputs((out, None))
        return Outputs((out, Opaque("attention weights")))
    if module.framework == PYTORCH and args.get("return_indices") is True:
        return Outputs((out, out.replace(dtype="int")))
    if module.framework == KERAS and args.get("return_state") is True:
        units = args.get("units")
        state = made(interp, (out.shape[0], units), "state")
        return Outputs((out, state, state) if name == "LSTM" else (out, state))
    if module.framework == KERAS and kwargs.get("return_attention_scores") is True:
        return Outputs((out, Opaque("attention scores")))
    return out


def _apply_sequential(interp, module: Container, args, kwargs, node):
    if module.kind != "Sequential":
        raise interp.error(f"nn.{module.kind} is not callable: iterate over it in forward "
                           f"(`for layer in self.layers: x = layer(x)`)", node)
    items = list(module.items)
    x = args[0] if args else kwargs.get("input", kwargs.get("inputs"))
    if x is None and items and isinstance(items[0], Tensor):
        x, items = items[0], items[1:]
    if x is None and items:
        from shapecalc.interpret.frameworks import implicit_input

        x = implicit_input(interp, items[0])
    if x is None:
        raise interp.error("the Sequential model has no input: add `input: (...)`, an Input "
                           "layer, or input_shape= on its first layer", node)
    segment = _segment(interp, module)
    try:
        for item in items:
            if isinstance(item, Tensor):
                continue  # keras.Input inside the list: the model's input
            x = _first(interp.apply_module(item, [x], {}, node, None), node)
    finally:
        if segment:
            interp.blocks.pop()
    module.applied = True
    return x


def _segment(interp, module: Module) -> str | None:
    """The block path segment of a module's rows: its attribute path in the model."""
    path = module.path() if module.parent is not None else ""
    if not path and module.parent is None:
        if isinstance(module, Instance):
            path = module.cls.name  # the model itself: its rows under its class's name
        elif module is not interp.model:
            path = getattr(module, "var_name", "")
    if not path:
        return None
    interp.blocks.append(path)
    return path


def _first(value, node):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], Tensor):
        return value[0]
    return value


def _apply_instance(interp, module: Instance, args, kwargs, node):
    cls = module.cls
    kinds = {b.kind for b in cls.framework_bases()}
    forward = cls.lookup("forward") if module.framework != KERAS else None
    forward = forward or cls.lookup("call") or cls.lookup("forward")
    segment = _segment(interp, module)
    try:
        if module.attrs.get("_sequential") and not isinstance(forward, Function):
            x = args[0]
            for _, child in module.children():
                x = _first(interp.apply_module(child, [x], {}, node, None), node)
            return x
        layer = module.attrs.get("__layer__")
        if not isinstance(forward, Function) and layer is not None:
            layer.row_name = module.path() or module.cls.name
            return interp.apply_module(layer, args, kwargs, node, None)
        if not isinstance(forward, Function):
            if "net" in kinds and "net" in module.attrs:
                return interp.apply_module(module.attrs["net"], args, kwargs, node, None)
            raise interp.error(f"class `{cls.name}` has no `forward` (or `call`) to apply",
                               node)
        build = cls.lookup("build")
        if module.framework == KERAS and isinstance(build, Function) and not module.built:
            first = next((a for a in _flat(args) if isinstance(a, Tensor)), None)
            module.built = True
            interp.call_function(build, [module, first.shape if first else ()], {}, node, None)
        return interp.call_function(forward, [module, *args], kwargs, node, None)
    finally:
        module.applied = True
        interp.report_parameters(module, segment or module.cls.name)
        layer = module.attrs.get("__layer__")
        if layer is not None and not layer.applied:  # its own forward used only its weights
            from shapecalc.interpret.frameworks import unapplied_row

            unapplied_row(interp, layer, module.path() or module.cls.name)
        if segment:
            interp.blocks.pop()


def probe_params(interp, module: LayerModule):
    """(trainable, buffers) of a layer applied to nothing yet: its rule on inputs no
    forward check refuses, built from its own channel arguments."""
    arguments = module.arguments
    channels = None
    for key in ("in_channels", "num_features", "in_features", "input_size", "embed_dim",
                "d_model", "in1_features", "num_channels"):
        if key in arguments and type(arguments[key].value) is int:
            channels = arguments[key].value
            break
    from shapecalc.interpret.frameworks import evaluate_argument
    from shapecalc.layers.base import Call

    normalized = arguments.get("normalized_shape")
    shapes = []
    if normalized is not None:
        value = normalized.value
        shapes.append((_PROBE, *(value if isinstance(value, tuple) else (value,))))
    for rank in (4, 3, 2, 5):
        shape = [_PROBE] * rank
        if channels is not None:
            shape[1] = channels
            if rank == 2 or module.rule.name in ("Linear", "LayerNorm", "Bilinear"):
                shape[-1] = channels
        shapes.append(tuple(shape))
    for probe in shapes:
        call = Call(module.rule, dict(arguments), module.span, module.source,
                    evaluate=evaluate_argument)
        try:
            result = module.rule.apply(call, (probe, probe, probe) if module.rule.merge
                                       else probe)
        except (SpecError, ArithmeticError, TypeError, ValueError, KeyError):
            continue
        return result.trainable + result.non_trainable, result.buffers
    return None


# -- attributes and methods ------------------------------------------------------------------


def attribute(interp, value, name: str, node):
    tensor = as_tensor(interp, value, node)
    if name == "shape":
        return tuple(tensor.shape)
    if name == "ndim":
        return len(tensor.shape)
    if name == "T":
        return _method_t(interp, tensor, [], {}, node)
    if name in ("dtype",):
        return "int64" if tensor.dtype == "int" else "float32"
    if name in ("device", "grad", "data", "requires_grad", "is_cuda", "grad_fn"):
        return Opaque(f"tensor.{name}") if name != "data" else tensor
    method = METHODS.get(name)
    if method is None:
        raise interp.error(f"shapecalc does not know the tensor method `{name}`", node)
    return Builtin(f"Tensor.{name}", method, bound=tensor)


def _dims_arg(args, kwargs, key="dims"):
    """`x.permute(0, 2, 1)` or `x.permute((0, 2, 1))`: the sizes as one tuple."""
    if key in kwargs:
        return tuple(kwargs[key])
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _arg(args, kwargs, index, key, default=None):
    if len(args) > index:
        return args[index]
    return kwargs.get(key, default)


def _same(interp, tensor, args, kwargs, node):
    return tensor



def _method_size(interp, tensor, args, kwargs, node):
    dim = _arg(args, kwargs, 0, "dim")
    if dim is None:
        return tuple(tensor.shape)
    return tensor.shape[_op(interp, node, tf_.wrap_dim, dim, len(tensor.shape))]


def _method_dim(interp, tensor, args, kwargs, node):
    return len(tensor.shape)


def _method_numel(interp, tensor, args, kwargs, node):
    return algebra.product(tensor.shape)


def _method_flatten(interp, tensor, args, kwargs, node):
    """x.flatten(1) / torch.flatten(x, 1): nn.Flatten with the function's default start 0."""
    arguments = {"start_dim": _arg(args, kwargs, 0, "start_dim", 0)}
    end = _arg(args, kwargs, 1, "end_dim")
    if end is not None:
        arguments["end_dim"] = end
    return _apply_rule(interp, "Flatten", [tensor], node, **arguments)


def _apply_rule(interp, layer: str, inputs, node, **arguments):
    """A function that is a layer (F.relu is nn.ReLU): recorded as that layer's row."""
    from shapecalc.interpret.frameworks import LayerClass, construct

    rule = REGISTRY[(interp.convention, layer)]
    module = construct(interp, LayerClass(rule, layer), [], arguments, None)
    module.span = interp.span(node)
    module.source = interp.text(node)
    interp.constructed.remove(module)
    return _apply_layer(interp, module, [inputs if rule.merge else inputs[0]], {}, node)


def _method_t(interp, tensor, args, kwargs, node):
    return _row(interp, "t", node, [tensor], _op(interp, node, tf_.t, tensor.shape))


def _method_transpose(interp, tensor, args, kwargs, node):
    shape = _op(interp, node, tf_.transpose, tensor.shape, _arg(args, kwargs, 0, "dim0"),
                _arg(args, kwargs, 1, "dim1"))
    return _row(interp, "transpose", node, [tensor], shape, call=(args, kwargs))


def _method_movedim(interp, tensor, args, kwargs, node):
    shape = _op(interp, node, tf_.movedim, tensor.shape, _arg(args, kwargs, 0, "source"),
                _arg(args, kwargs, 1, "destination"))
    return _row(interp, "movedim", node, [tensor], shape, call=(args, kwargs))


def _method_unsqueeze(interp, tensor, args, kwargs, node):
    shape = _op(interp, node, tf_.unsqueeze, tensor.shape, _arg(args, kwargs, 0, "dim"))
    return _row(interp, "unsqueeze", node, [tensor], shape, receptive=KEEP, call=(args, kwargs))


def _method_squeeze(interp, tensor, args, kwargs, node):
    dim = _arg(args, kwargs, 0, "dim")
    if isinstance(dim, list):
        dim = tuple(dim)
    shape = _op(interp, node, tf_.squeeze, tensor.shape, dim)
    return _row(interp, "squeeze", node, [tensor], shape, receptive=KEEP, call=(args, kwargs))


def _method_expand(interp, tensor, args, kwargs, node):
    shape = _op(interp, node, tf_.expand, tensor.shape, _dims_arg(args, kwargs, "size"))
    return _row(interp, "expand", node, [tensor], shape, receptive=KEEP, call=(args, kwargs))


def _method_repeat(interp, tensor, args, kwargs, node):
    shape = _op(interp, node, tf_.repeat, tensor.shape, _dims_arg(args, kwargs, "repeats"))
    return _row(interp, "repeat", node, [tensor], shape, call=(args, kwargs))


def _method_as(kind):
    def method(interp, tensor, args, kwargs, node):
        other = as_tensor(interp, args[0], node)
        if kind == "expand_as":
            shape = _op(interp, node, tf_.expand, tensor.shape, other.shape)
        else:
            shape = _op(interp, node, tf_.view, tensor.shape, other.shape)
        return _row(interp, kind, node, [tensor, other], shape)

    return method


def _pieces(interp, kind, node, tensor, shapes, args, kwargs):
    """chunk/split/unbind: one row per piece, each knowing which piece it is."""
    return tuple(_row(interp, kind, node, [tensor], s, call=(args, {**kwargs, "_piece": i}))
                 for i, s in enumerate(shapes))


def _method_chunk(interp, tensor, args, kwargs, node):
    shapes = _op(interp, node, tf_.chunk, tensor.shape, _arg(args, kwargs, 0, "chunks"),
                 _arg(args, kwargs, 1, "dim", 0))
    return _pieces(interp, "chunk", node, tensor, shapes, args, kwargs)


def _method_split(interp, tensor, args, kwargs, node):
    sizes = _arg(args, kwargs, 0, "split_size_or_sections", kwargs.get("split_size"))
    if isinstance(sizes, list):
        sizes = tuple(sizes)
    shapes = _op(interp, node, tf_.split, tensor.shape, sizes, _arg(args, kwargs, 1, "dim", 0))
    return _pieces(interp, "split", node, tensor, shapes, args, kwargs)


def _method_unbind(interp, tensor, args, kwargs, node):
    shapes = _op(interp, node, tf_.unbind, tensor.shape, _arg(args, kwargs, 0, "dim", 0))
    return _pieces(interp, "unbind", node, tensor, shapes, args, kwargs)


def unbind(interp, value, node):
    tensor = as_tensor(interp, value, node)
    if not tensor.shape or type(tensor.shape[0]) is not int:
        raise interp.error("iterating over a tensor needs a known first size", node)
    return list(_method_unbind(interp, tensor, [], {}, node))


def _method_narrow(interp, tensor, args, kwargs, node):
    shape = _op(interp, node, tf_.narrow, tensor.shape, _arg(args, kwargs, 0, "dim"),
                _arg(args, kwargs, 1, "start"), _arg(args, kwargs, 2, "length"))
    return _row(interp, "narrow", node, [tensor], shape, call=(args, kwargs))


def _reduction(kind):
    def method(interp, tensor, args, kwargs, node):
        dim = _arg(args, kwargs, 0, "dim", kwargs.get("axis"))
        if isinstance(dim, list):
            dim = tuple(dim)
        keepdim = _arg(args, kwargs, 1, "keepdim", kwargs.get("keepdims", False))
        if kind in ("argmax", "argmin"):
            shape = _op(interp, node, getattr(tf_, kind), tensor.shape, dim, bool(keepdim))
        else:
            shape = _op(interp, node, tf_.reduce, tensor.shape, dim, bool(keepdim), op=kind)
        dtype = "int" if kind in ("argmax", "argmin") else None
        return _row(interp, kind, node, [tensor], shape, dtype=dtype, call=(args, kwargs))

    return method


def _norm(interp, tensor, args, kwargs, node):
    """x.norm(p, dim, keepdim): the order p comes first."""
    dim = _arg(args, kwargs, 1, "dim")
    keepdim = _arg(args, kwargs, 2, "keepdim", False)
    shape = _op(interp, node, tf_.reduce, tensor.shape, tuple(dim) if isinstance(dim, list)
                else dim, bool(keepdim), op="norm")
    return _row(interp, "norm", node, [tensor], shape, call=(args, kwargs))


def _pair_reduction(kind):
    """x.max(dim) gives (values, indices); x.max() a single value."""
    def method(interp, tensor, args, kwargs, node):
        dim = _arg(args, kwargs, 0, "dim")
        if isinstance(dim, Tensor):  # torch.max(a, b): element-wise
            return _elementwise_pair(interp, kind, tensor, dim, node)
        keepdim = _arg(args, kwargs, 1, "keepdim", False)
        if dim is None:
            shape = _op(interp, node, tf_.reduce, tensor.shape, None, bool(keepdim), op=kind)
            return _row(interp, kind, node, [tensor], shape, call=(args, kwargs))
        shape, _ = _op(interp, node, tf_.reduce_pair, tensor.shape, dim, bool(keepdim), op=kind)
        values = _row(interp, kind, node, [tensor], shape, call=(args, kwargs))
        return (values, values.replace(dtype="int"))

    return method


def _elementwise_pair(interp, kind, a, b, node):
    shape = _op(interp, node, tf_.broadcast, a.shape, b.shape)
    return _row(interp, kind, node, [a, b], shape, receptive=KEEP)


def _activation(layer, dim_key=None):
    """x.relu(), torch.sigmoid(x), x.softmax(dim=-1): the activation layer."""
    def method(interp, tensor, args, kwargs, node):
        arguments = {}
        if dim_key is not None:
            dim = _arg(args, kwargs, 0, "dim")
            if dim is not None:
                arguments["dim"] = dim
        return _apply_rule(interp, layer, [tensor], node, **arguments)

    return method


def _method_view(interp, tensor, args, kwargs, node):
    if args and isinstance(args[0], str):  # x.view(torch.float16): a dtype view
        return tensor
    shape = _op(interp, node, tf_.view, tensor.shape, _dims_arg(args, kwargs, "size"))
    return _row(interp, "view", node, [tensor], shape, call=(args, kwargs))


def _method_reshape(interp, tensor, args, kwargs, node):
    shape = _op(interp, node, tf_.reshape, tensor.shape, _dims_arg(args, kwargs, "shape"))
    return _row(interp, "reshape", node, [tensor], shape, call=(args, kwargs))


def _method_permute(interp, tensor, args, kwargs, node):
    shape = _op(interp, node, tf_.permute, tensor.shape, _dims_arg(args, kwargs, "dims"))
    return _row(interp, "permute", node, [tensor], shape, call=(args, kwargs))


def _product(kind):
    def method(interp, tensor, args, kwargs, node):
        return matmul(interp, tensor, args[0], node, kind)

    return method


def _method_type(interp, tensor, args, kwargs, node):
    if args and isinstance(args[0], str) and "int" in args[0] or \
            args and args[0] in ("int64", "int32"):
        return tensor.replace(dtype="int")
    return tensor


def _to_int(interp, tensor, args, kwargs, node):
    return tensor.replace(dtype="int")


def _to_float(interp, tensor, args, kwargs, node):
    return tensor.replace(dtype="float")


def _method_to(interp, tensor, args, kwargs, node):
    dtype = kwargs.get("dtype", args[0] if args else None)
    if isinstance(dtype, str) and dtype.startswith(("int", "uint")):
        return tensor.replace(dtype="int")
    if isinstance(dtype, str) and dtype.startswith(("float", "bfloat")):
        return tensor.replace(dtype="float")
    return tensor


def _method_new(interp, tensor, args, kwargs, node):
    shape = _dims_arg(args, kwargs, "size")
    return made(interp, shape, "tensor", tensor.dtype)


def _contents(interp, node) -> Opaque:
    """x.item(), x.tolist(): numbers held in a tensor, which shapecalc does not know."""
    value = Opaque(interp.text(node), harmless=True)
    value.contents = interp.text(node)
    return value


def _method_pow(interp, tensor, args, kwargs, node):
    """x.pow(2) keeps the shape; x.pow(p) with a tensor p broadcasts."""
    exponent = _arg(args, kwargs, 0, "exponent")
    return interp.binary("**", tensor, exponent, node)


def _method_masked_fill(interp, tensor, args, kwargs, node):
    return tensor


def _method_gather(interp, tensor, args, kwargs, node):
    index = as_tensor(interp, _arg(args, kwargs, 1, "index"), node)
    return _row(interp, "gather", node, [tensor, index], index.shape)


def _method_topk(interp, tensor, args, kwargs, node):
    k = _arg(args, kwargs, 0, "k")
    dim = _arg(args, kwargs, 1, "dim", -1)
    axis = _op(interp, node, tf_.wrap_dim, dim, len(tensor.shape))
    shape = tuple(k if i == axis else s for i, s in enumerate(tensor.shape))
    values = _row(interp, "topk", node, [tensor], shape, call=(args, kwargs))
    return (values, values.replace(dtype="int"))


METHODS = {
    "size": _method_size, "dim": _method_dim, "numel": _method_numel,
    "nelement": _method_numel, "ndimension": _method_dim,
    "view": _method_view, "reshape": _method_reshape, "flatten": _method_flatten,
    "permute": _method_permute, "transpose": _method_transpose, "t": _method_t,
    "movedim": _method_movedim, "moveaxis": _method_movedim,
    "swapaxes": _method_transpose, "swapdims": _method_transpose,
    "unsqueeze": _method_unsqueeze, "squeeze": _method_squeeze, "expand": _method_expand,
    "repeat": _method_repeat, "expand_as": _method_as("expand_as"),
    "view_as": _method_as("view_as"), "reshape_as": _method_as("view_as"),
    "chunk": _method_chunk, "split": _method_split, "unbind": _method_unbind,
    "narrow": _method_narrow,
    "mean": _reduction("mean"), "sum": _reduction("sum"), "amax": _reduction("amax"),
    "amin": _reduction("amin"), "prod": _reduction("prod"), "std": _reduction("std"),
    "var": _reduction("var"), "norm": _norm, "logsumexp": _reduction("logsumexp"),
    "argmax": _reduction("argmax"), "argmin": _reduction("argmin"),
    "max": _pair_reduction("max"), "min": _pair_reduction("min"),
    "matmul": _product("matmul"), "mm": _product("mm"), "bmm": _product("bmm"),
    "relu": _activation("ReLU"), "sigmoid": _activation("Sigmoid"),
    "tanh": _activation("Tanh"), "softmax": _activation("Softmax", "dim"),
    "log_softmax": _activation("LogSoftmax", "dim"),
    "long": _to_int, "int": _to_int, "bool": _to_int, "float": _to_float,
    "double": _to_float, "half": _to_float, "to": _method_to, "type": _method_type,
    "type_as": _same, "masked_fill": _method_masked_fill, "gather": _method_gather,
    "topk": _method_topk, "new_zeros": _method_new, "new_ones": _method_new,
    "backward": lambda i, t, a, k, n: None, "pow": _method_pow,
    "item": lambda i, t, a, k, n: _contents(i, n), "tolist": lambda i, t, a, k, n: _contents(i, n),
    "new_empty": _method_new, "new_full": _method_new,
    **{name: _same for name in (
        "contiguous", "detach", "clone", "cpu", "cuda", "requires_grad_", "exp", "log", "sqrt",
        "rsqrt", "abs", "neg", "clamp", "clamp_", "clip", "sin", "cos", "floor", "ceil",
        "round", "sign", "reciprocal", "square", "exp_", "mul_", "add_", "div_", "sub_",
        "relu_", "sigmoid_", "tanh_", "zero_", "fill_", "normal_", "uniform_", "masked_fill_",
        "copy_", "pin_memory", "cumsum", "cumprod", "flip", "roll", "softplus", "erf", "log1p",
        "expm1", "fmod", "remainder", "nan_to_num", "square_", "sqrt_", "float_")},
}


def getitem(interp, value, key, node):
    tensor = as_tensor(interp, value, node)
    if isinstance(key, Tensor):
        raise interp.error("indexing a tensor with a tensor is not supported", node)
    shape = _op(interp, node, tf_.getitem, tensor.shape, key)
    return _row(interp, "getitem", node, [tensor], shape, call=((key,), {}))


# -- arithmetic ------------------------------------------------------------------------------

_MERGES = {PYTORCH: {"+": "add", "-": "sub", "*": "mul"},
           KERAS: {"+": "Add", "-": "Subtract", "*": "Multiply"}}


def arithmetic(interp, op: str, a, b, node):
    if op == "@":
        return matmul(interp, a, b, node)
    a_tensor = isinstance(a, (Tensor, Parameter, Outputs))
    b_tensor = isinstance(b, (Tensor, Parameter, Outputs))
    if a_tensor and b_tensor:
        a, b = as_tensor(interp, a, node), as_tensor(interp, b, node)
        merge = _MERGES[interp.convention].get(op)
        if merge is not None:
            return _apply_rule(interp, merge, [a, b], node)
        shape = _op(interp, node, tf_.broadcast, a.shape, b.shape)
        return _row(interp, _OP_NAMES.get(op, op), node, [a, b], shape, receptive=KEEP)
    tensor = as_tensor(interp, a if a_tensor else b, node)
    other = concrete(b if a_tensor else a)
    from shapecalc.interpret.arithmetic import _numeric

    if not _numeric(other) or getattr(other, "is_Symbol", False):
        raise interp.error(f"unsupported operand types for {op}: a tensor and "
                           f"{_describe(other)}", node)
    return tensor  # a tensor with a number: the same shape


_OP_NAMES = {"/": "div", "//": "floor_divide", "%": "remainder", "**": "pow"}


def unary(interp, value, node):
    return as_tensor(interp, value, node)


def matmul(interp, a, b, node, kind: str = "matmul"):
    a, b = as_tensor(interp, a, node), as_tensor(interp, b, node)
    shape, macs = _op(interp, node, getattr(tf_, kind), a.shape, b.shape)
    if macs is None and interp.convention == KERAS:  # per sample, as Keras' other rows
        _, macs = _op(interp, node, getattr(tf_, kind), _one_batch(a.shape),
                      _one_batch(b.shape))
    return _row(interp, kind, node, [a, b], shape, macs=macs)


# -- functions -----------------------------------------------------------------------------


def _tensor_first(method):
    """torch.transpose(x, 0, 1) is x.transpose(0, 1)."""
    def fn(interp, args, kwargs, node):
        if not args:
            key = next((k for k in ("input", "x", "tensor") if k in kwargs), None)
            if key is None:
                raise interp.error("expected the tensor first", node)
            kwargs = dict(kwargs)
            args = [kwargs.pop(key)]
        if isinstance(args[0], Opaque) and args[0].harmless:
            return Opaque(interp.text(node), harmless=True)  # torch.max(outputs of a batch)
        return method(interp, as_tensor(interp, args[0], node), list(args[1:]), kwargs, node)

    return fn


def _torch_cat(interp, args, kwargs, node):
    tensors = _arg(args, kwargs, 0, "tensors")
    dim = _arg(args, kwargs, 1, "dim", kwargs.get("axis", 0))
    items = [as_tensor(interp, t, node) for t in interp.iterate(tensors, node)]
    return _apply_rule(interp, "cat", items, node, dim=dim)


def _one_batch(shape: tuple) -> tuple:
    return (1, *shape[1:]) if shape and shape[0] is None else shape


def _torch_stack(interp, args, kwargs, node):
    tensors = [as_tensor(interp, t, node) for t in interp.iterate(_arg(args, kwargs, 0,
                                                                       "tensors"), node)]
    shape = _op(interp, node, tf_.stack, [t.shape for t in tensors],
                _arg(args, kwargs, 1, "dim", 0))
    return _row(interp, "stack", node, tensors, shape,
                call=((), {"dim": _arg(args, kwargs, 1, "dim", 0)}))


def _torch_binary(op):
    def fn(interp, args, kwargs, node):
        a = _arg(args, kwargs, 0, "input")
        b = _arg(args, kwargs, 1, "other")
        return interp.binary(op, a, b, node)

    return fn


def _torch_product(kind):
    def fn(interp, args, kwargs, node):
        return matmul(interp, _arg(args, kwargs, 0, "input"), _arg(args, kwargs, 1, "other"),
                      node, kind)

    return fn


_torch_matmul = _torch_product("matmul")


def _factory(dtype="float"):
    """torch.randn(1, 3, 32, 32), torch.zeros((2, 4), dtype=torch.long): a tensor of that
    shape; at the top level of a spec, an input."""
    def fn(interp, args, kwargs, node):
        sizes = _dims_arg(args, kwargs, "size")
        return _made(interp, sizes, node, _dtype_kind(kwargs.get("dtype"), dtype))

    return fn


def _dtype_kind(dtype, default: str) -> str:
    return dtype_kind(dtype) if isinstance(dtype, str) else default


def _made(interp, sizes, node, dtype):
    from shapecalc.interpret.frameworks import code_input, size

    shape = tuple(size(interp, s, node) for s in sizes)
    if not interp.call_stack and interp.library.claimable(shape):
        return code_input(interp, "input", shape, node, dtype)
    return made(interp, shape, "tensor", dtype)


def _randint(interp, args, kwargs, node):
    sizes = kwargs.get("size")
    if sizes is None:
        sizes = next((a for a in args if isinstance(a, (tuple, list))), None)
    if sizes is None:
        raise interp.error("torch.randint needs a size tuple", node)
    return _made(interp, tuple(sizes), node, _dtype_kind(kwargs.get("dtype"), "int"))


def _like(dtype=None):
    def fn(interp, args, kwargs, node):
        tensor = as_tensor(interp, _arg(args, kwargs, 0, "input"), node)
        return Tensor(tensor.shape, tensor.field, tensor.source,
                      _dtype_kind(kwargs.get("dtype"), dtype or tensor.dtype))

    return fn


def _arange(interp, args, kwargs, node):
    values = [a for a in args if not isinstance(a, str)]
    if len(values) == 1:
        start, end, step = 0, values[0], 1
    else:
        start, end, step = (values + [1])[:3]
    count = algebra.ceildiv(end - start, step) if all(type(v) is int for v in (start, end, step)) \
        else algebra.ceildiv(end - start, step)
    return made(interp, (count,), "arange", "int")


def _linspace(interp, args, kwargs, node):
    steps = _arg(args, kwargs, 2, "steps")
    return made(interp, (steps,), "linspace")


def _tensor_literal(interp, args, kwargs, node):
    data = _arg(args, kwargs, 0, "data")
    shape = []
    while isinstance(data, (list, tuple)):
        shape.append(len(data))
        data = data[0] if data else None
    dtype = _dtype_kind(kwargs.get("dtype"), "float" if isinstance(data, float) else "int")
    return made(interp, shape, "tensor", dtype)


def _torch_flatten(interp, args, kwargs, node):
    tensor = as_tensor(interp, _arg(args, kwargs, 0, "input"), node)
    return _method_flatten(interp, tensor, list(args[1:]), kwargs, node)


def _where(interp, args, kwargs, node):
    tensors = [as_tensor(interp, a, node) for a in args if isinstance(a, (Tensor, Parameter))]
    shape = _op(interp, node, tf_.broadcast, *(t.shape for t in tensors))
    return _row(interp, "where", node, tensors, shape, receptive=KEEP)


def _einsum(interp, args, kwargs, node):
    equation = args[0]
    operands = args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    tensors = [as_tensor(interp, t, node) for t in operands]
    shape, macs = _op(interp, node, tf_.einsum, equation, *(t.shape for t in tensors))
    return _row(interp, "einsum", node, tensors, shape, macs=macs, call=((equation,), {}))


TORCH = {
    "cat": _torch_cat, "concat": _torch_cat, "concatenate": _torch_cat, "stack": _torch_stack,
    "add": _torch_binary("+"), "sub": _torch_binary("-"), "subtract": _torch_binary("-"),
    "mul": _torch_binary("*"), "multiply": _torch_binary("*"), "div": _torch_binary("/"),
    "matmul": _torch_matmul, "mm": _torch_product("mm"), "bmm": _torch_product("bmm"),
    "flatten": _torch_flatten, "einsum": _einsum, "where": _where,
    "randn": _factory(), "rand": _factory(), "zeros": _factory(), "ones": _factory(),
    "empty": _factory(), "full": lambda i, a, k, n: _made(i, tuple(a[0]), n, "float"),
    "randint": _randint, "arange": _arange, "tensor": _tensor_literal,
    "linspace": _linspace, "logspace": _linspace,
    "randn_like": _like(), "rand_like": _like(), "zeros_like": _like(), "ones_like": _like(),
    "empty_like": _like(), "full_like": _like(),
    "pow": lambda i, a, k, n: _scalar_or_tensor(i, "**", a, n),
    "divide": _torch_binary("/"), "true_divide": _torch_binary("/"),
    "tril": _tensor_first(_same), "triu": _tensor_first(_same),
    "maximum": lambda i, a, k, n: _elementwise_pair(i, "maximum", as_tensor(i, a[0], n),
                                                    as_tensor(i, a[1], n), n),
    "minimum": lambda i, a, k, n: _elementwise_pair(i, "minimum", as_tensor(i, a[0], n),
                                                    as_tensor(i, a[1], n), n),
    **{name: _tensor_first(METHODS[name]) for name in (
        "transpose", "permute", "reshape", "unsqueeze", "squeeze", "chunk", "split", "unbind",
        "narrow", "mean", "sum", "amax", "amin", "prod", "std", "var", "norm", "logsumexp",
        "argmax", "argmin", "max", "min", "relu", "sigmoid", "tanh", "softmax", "log_softmax",
        "exp", "log", "sqrt", "rsqrt", "abs", "neg", "clamp", "clip", "sin", "cos",
        "floor", "ceil", "round", "sign", "reciprocal", "square", "cumsum", "flip", "roll",
        "erf", "movedim", "moveaxis", "t", "topk", "gather", "masked_fill", "numel")},
}


# torch.nn.functional: the module each function is (input first, then the module's own
# arguments in the same order); keywords the module does not take are dropped
_FUNCTIONAL_MODULES = {
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
    "upsample": "Upsample", "pixel_shuffle": "PixelShuffle", "pad": None,
    "glu": "GLU", "hardtanh": "Hardtanh", "logsigmoid": "LogSigmoid", "softsign": "Softsign",
    "tanhshrink": "Tanhshrink", "celu": "CELU", "prelu": None,
}
_FUNCTIONAL_DROPPED = {"training", "inplace", "_stacklevel", "dtype", "return_indices",
                       "antialias", "recompute_scale_factor"}


def _functional(name, layer):
    def fn(interp, args, kwargs, node):
        if not args and "input" not in kwargs:
            raise interp.error(f"F.{name} takes the tensor first", node)
        kwargs = dict(kwargs)
        tensor = as_tensor(interp, args[0] if args else kwargs.pop("input"), node)
        rest = list(args[1:])
        if name == "dropout" and len(rest) > 1:
            rest = rest[:1]  # F.dropout(x, p, training): training is not the module's
        if name.startswith("dropout") and (kwargs.get("training") is False or (
                len(args) > 2 and args[2] is False)):
            return tensor
        arguments = {k: v for k, v in kwargs.items() if k not in _FUNCTIONAL_DROPPED}
        rule = REGISTRY[(PYTORCH, layer)]
        names = [p for p, _ in rule.signature.positional]
        arguments.update(zip(names, rest))
        return _apply_rule(interp, layer, [tensor], node, **arguments)

    return fn


def _f_pad(interp, args, kwargs, node):
    """F.pad(x, (left, right, top, bottom, ...)): pairs from the last dimension back."""
    tensor = as_tensor(interp, args[0], node)
    pad = tuple(_arg(args, kwargs, 1, "pad"))
    shape = list(tensor.shape)
    if len(pad) % 2 or len(pad) // 2 > len(shape):
        raise interp.error(f"`{interp.text(node)}`: Padding length must be divisible by 2 and "
                           f"at most twice the input's {len(shape)} dimensions", node)
    for i in range(len(pad) // 2):
        axis = len(shape) - 1 - i
        shape[axis] = shape[axis] + pad[2 * i] + pad[2 * i + 1]
        if algebra.truth(shape[axis] >= 0) is False:
            raise interp.error(f"`{interp.text(node)}`: padding makes dimension {axis} "
                               f"negative ({shape[axis]})", node)
    return _row(interp, "pad", node, [tensor], tuple(shape), receptive=KEEP,
                call=((pad,), {}))


def _scalar_or_tensor(interp, op, args, node):
    return interp.binary(op, args[0], args[1], node)


def _affine_grid(interp, args, kwargs, node):
    """F.affine_grid(theta, size): a (N, H, W, 2) sampling grid for a (N, C, H, W) size."""
    theta = as_tensor(interp, _arg(args, kwargs, 0, "theta"), node)
    size = tuple(_arg(args, kwargs, 1, "size"))
    if len(size) != 4 or len(theta.shape) != 3 or theta.shape[0] != size[0]:
        raise interp.error(f"`{interp.text(node)}`: affine_grid takes theta (N, 2, 3) and a "
                           f"4-D size with the same N, got {algebra.show_shape(theta.shape)} "
                           f"and {size}", node)
    return _row(interp, "affine_grid", node, [theta], (size[0], size[2], size[3], 2),
                call=((size,), {k: v for k, v in kwargs.items() if k == "align_corners"}))


def _grid_sample(interp, args, kwargs, node):
    """F.grid_sample(input (N, C, H, W), grid (N, Ho, Wo, 2)) -> (N, C, Ho, Wo)."""
    x = as_tensor(interp, _arg(args, kwargs, 0, "input"), node)
    grid = as_tensor(interp, _arg(args, kwargs, 1, "grid"), node)
    if len(x.shape) != 4 or len(grid.shape) != 4:
        raise interp.error(f"`{interp.text(node)}`: grid_sample takes 4-D input and grid, got "
                           f"{algebra.show_shape(x.shape)} and {algebra.show_shape(grid.shape)}",
                           node)
    return _row(interp, "grid_sample", node, [x, grid],
                (x.shape[0], x.shape[1], grid.shape[1], grid.shape[2]))


def loss(interp, prediction: Tensor, reduction) -> Tensor:
    """A loss: a scalar, or one value per element with reduction='none'. FlopCounterMode
    counts none of its element-wise arithmetic, and it is no layer of the model."""
    return made(interp, prediction.shape if reduction == "none" else (), "loss")


def _f_loss(interp, args, kwargs, node):
    return loss(interp, as_tensor(interp, _arg(args, kwargs, 0, "input"), node),
                kwargs.get("reduction", "mean"))


def _one_hot(interp, args, kwargs, node):
    """F.one_hot(x, num_classes): x's shape and one more axis; int64 (num_classes=-1, the
    default, reads the largest value in x, which shapecalc does not know)."""
    x = as_tensor(interp, _arg(args, kwargs, 0, "input"), node)
    classes = _arg(args, kwargs, 1, "num_classes", -1)
    if x.dtype not in INDICES:
        raise interp.error(f"`{interp.text(node)}`: F.one_hot needs integer indices, but its "
                           f"input is a {x.dtype} tensor (PyTorch refuses: one_hot is only "
                           "applicable to index tensor of type LongTensor)", node)
    if classes == -1:
        raise interp.error(f"`{interp.text(node)}`: give num_classes: the default reads the "
                           "largest index in the tensor", node)
    return _row(interp, "one_hot", node, [x], (*x.shape, classes), dtype="int",
                call=((classes,), {}))


def _f_linear(interp, args, kwargs, node):
    x = as_tensor(interp, _arg(args, kwargs, 0, "input"), node)
    weight = as_tensor(interp, _arg(args, kwargs, 1, "weight"), node)
    shape, macs = _op(interp, node, tf_.linear, x.shape, weight.shape)
    return _row(interp, "linear", node, [x, weight], shape, macs=macs)


def _f_sdpa(interp, args, kwargs, node):
    q, k, v = (as_tensor(interp, _arg(args, kwargs, i, key), node)
               for i, key in enumerate(("query", "key", "value")))
    shape, macs = _op(interp, node, tf_.scaled_dot_product_attention, q.shape, k.shape, v.shape)
    return _row(interp, "scaled_dot_product_attention", node, [q, k, v], shape, macs=macs)


def _f_same(interp, args, kwargs, node):
    return as_tensor(interp, _arg(args, kwargs, 0, "input"), node)


FUNCTIONAL = {name: _functional(name, layer) for name, layer in _FUNCTIONAL_MODULES.items()
              if layer is not None}
FUNCTIONAL.update({
    "pad": _f_pad, "linear": _f_linear, "scaled_dot_product_attention": _f_sdpa,
    "normalize": _f_same, "dropout1d": _f_same, "dropout3d": _f_same,
    "affine_grid": _affine_grid, "grid_sample": _grid_sample,
    **{name: _f_loss for name in (
        "mse_loss", "l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
        "binary_cross_entropy_with_logits", "kl_div", "smooth_l1_loss", "huber_loss",
        "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss")},
    # the normalisations as functions: the weights belong to a module that counts them
    "layer_norm": _f_same, "batch_norm": _f_same, "group_norm": _f_same,
    "instance_norm": _f_same, "local_response_norm": _f_same,
    "alpha_dropout": _f_same, "one_hot": _one_hot, "flatten": _torch_flatten,
})
FUNCTIONAL = {k: v for k, v in FUNCTIONAL.items() if v is not None}


# -- Keras functions, keras.ops, tf ---------------------------------------------------------

_KERAS_MERGES = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply",
                 "average": "Average", "maximum": "Maximum", "minimum": "Minimum",
                 "concatenate": "Concatenate"}


def _keras_merge(layer):
    def fn(interp, args, kwargs, node):
        tensors = [as_tensor(interp, t, node) for t in interp.iterate(args[0], node)]
        arguments = dict(kwargs)
        if len(args) > 1:
            arguments["axis"] = args[1]
        return _apply_rule(interp, layer, tensors, node, **arguments)

    return fn


KERAS_FUNCTIONS = {name: _keras_merge(layer) for name, layer in _KERAS_MERGES.items()}


def _keras_reshape(interp, args, kwargs, node):
    tensor = as_tensor(interp, args[0], node)
    shape = _op(interp, node, tf_.reshape, tensor.shape, tuple(_arg(args, kwargs, 1, "newshape",
                                                                    kwargs.get("shape"))))
    return _row(interp, "reshape", node, [tensor], shape)


def _keras_axis_reduction(kind):
    def fn(interp, args, kwargs, node):
        tensor = as_tensor(interp, args[0], node)
        axis = _arg(args, kwargs, 1, "axis")
        keepdims = _arg(args, kwargs, 2, "keepdims", False)
        return _reduction(kind)(interp, tensor, [axis, keepdims], {}, node)

    return fn


def _keras_transpose(interp, args, kwargs, node):
    tensor = as_tensor(interp, args[0], node)
    axes = _arg(args, kwargs, 1, "axes", kwargs.get("perm"))
    if axes is None:
        axes = tuple(reversed(range(len(tensor.shape))))
    return _method_permute(interp, tensor, [tuple(axes)], {}, node)


def _keras_expand_dims(interp, args, kwargs, node):
    return _method_unsqueeze(interp, as_tensor(interp, args[0], node),
                             [_arg(args, kwargs, 1, "axis")], {}, node)


def _keras_concatenate(interp, args, kwargs, node):
    tensors = [as_tensor(interp, t, node) for t in interp.iterate(args[0], node)]
    return _apply_rule(interp, "Concatenate", tensors, node,
                       axis=_arg(args, kwargs, 1, "axis", 0))


def _keras_shape(interp, args, kwargs, node):
    return tuple(as_tensor(interp, args[0], node).shape)


def _keras_random_normal(interp, args, kwargs, node):
    shape = _arg(args, kwargs, 0, "shape")
    return made(interp, interp.iterate(shape, node), "random")


KERAS_OPS = {
    "reshape": _keras_reshape, "mean": _keras_axis_reduction("mean"),
    "sum": _keras_axis_reduction("sum"), "max": _keras_axis_reduction("amax"),
    "min": _keras_axis_reduction("amin"), "transpose": _keras_transpose,
    "expand_dims": _keras_expand_dims, "concatenate": _keras_concatenate,
    "shape": _keras_shape, "matmul": _torch_matmul, "exp": _f_same, "sqrt": _f_same,
    "square": _f_same, "log": _f_same, "relu": _f_same, "sigmoid": _f_same, "tanh": _f_same,
    "softmax": _f_same, "abs": _f_same, "cast": _f_same, "stop_gradient": _f_same,
    "convert_to_tensor": _f_same, "random_normal": _keras_random_normal,
    "ones_like": _f_same, "zeros_like": _f_same, "full_like": _f_same,
    "arange": lambda i, a, k, n: _arange(i, [*a, *(k[key] for key in ("start", "stop", "step")
                                                   if key in k)], {}, n),
    "einsum": _einsum,
}
TF = {**KERAS_OPS, "reduce_mean": _keras_axis_reduction("mean"),
      "reduce_sum": _keras_axis_reduction("sum"), "reduce_max": _keras_axis_reduction("amax"),
      "concat": _keras_concatenate, "range": KERAS_OPS["arange"], "nn": None}
TF = {k: v for k, v in TF.items() if v is not None}


# -- einops ---------------------------------------------------------------------------------


def _einops(kind):
    def fn(interp, args, kwargs, node):
        tensor = as_tensor(interp, args[0], node)
        pattern = args[1]
        lengths = {k: v for k, v in kwargs.items()}
        if kind == "reduce":
            reduction = args[2] if len(args) > 2 else lengths.pop("reduction", "mean")
            shape = _op(interp, node, tf_.einops_reduce, tensor.shape, pattern, reduction,
                        **lengths)
        elif kind == "repeat":
            shape = _op(interp, node, tf_.einops_repeat, tensor.shape, pattern, **lengths)
        else:
            shape = _op(interp, node, tf_.einops_rearrange, tensor.shape, pattern, **lengths)
        return _row(interp, kind, node, [tensor], shape)

    return fn


EINOPS = {"rearrange": _einops("rearrange"), "reduce": _einops("reduce"),
          "repeat": _einops("repeat")}


class EinopsLayer(Module):
    """einops' Rearrange / Reduce layers: a pattern applied in forward."""

    def __init__(self, kind: str, args, kwargs, span, source) -> None:
        super().__init__()
        self.kind = kind
        self.args = args
        self.kwargs = kwargs
        self.span = span
        self.source = source

    @property
    def type_name(self) -> str:
        return self.kind.capitalize()


def einops_layer(kind):
    def make(interp, args, kwargs, node):
        layer = EinopsLayer(kind, args, kwargs, interp.span(node), interp.text(node))
        layer.framework = interp.convention
        return layer

    return make


def apply_einops_layer(interp, layer: EinopsLayer, args, node):
    return EINOPS[layer.kind](interp, [args[0], *layer.args], dict(layer.kwargs), node)
