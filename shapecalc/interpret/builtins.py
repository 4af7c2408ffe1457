"""Python's builtins and the standard library's names model code uses (``len``,
``range``, ``isinstance``, ``math``, ``functools.partial``, ``copy.deepcopy``,
``collections.namedtuple``, ``argparse``, ``inspect``): each a function of the interpreter's
own, over its own values."""

from __future__ import annotations

import math
import re
from fractions import Fraction

from shapecalc import algebra
from shapecalc.interpret import arithmetic, frameworks, objects, tensors
from shapecalc.interpret.modules import Container, Instance, LayerModule, Module
from shapecalc.interpret.values import (BoundMethod, Builtin, FrameworkBase, Function, Namespace,
                                        Opaque, Parameter, SymbolicRange, Tensor, UserClass,
                                        concrete)
from shapecalc.errors import SpecError


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
    if isinstance(value, Opaque):
        return Opaque(f"len({value.text})", harmless=True)  # a dataset, a numpy array
    raise interp.error(f"object of type {arithmetic.describe(value)} has no len()", node)


def _exactly(interp, args, n, name, node):
    if len(args) != n:
        raise interp.error(f"{name}() takes exactly {n} argument(s) ({len(args)} given)", node)
    return args


def _range(interp, args, kwargs, node):
    args = concrete(list(args))
    if not 1 <= len(args) <= 3:
        raise interp.error(f"range expected 1 to 3 arguments, got {len(args)}", node)
    if node is not None and node is getattr(interp, "loop_range", None) and \
            1 <= len(args) <= 2 and _symbolic_count(args):
        return SymbolicRange(*([0] if len(args) == 1 else []), *args)  # for i in range(L)
    for value in args:
        if type(value) is not int and not isinstance(value, bool):
            if algebra.is_symbolic(value) and not isinstance(value, (Module, Opaque)):
                raise interp.error(f"range() needs a known count, got {value}: bind it "
                                   "(let or --set)", node)
            raise interp.error(f"range() takes integers, got {arithmetic.describe(value)}", node)
    result = range(*args)
    if len(result) > 1_000_000:
        raise interp.error(f"range of {len(result):,} items is more than shapecalc follows",
                           node)
    return result


def _symbolic_count(args) -> bool:
    if not all(type(v) is int or arithmetic.is_integer(v) for v in args):
        return False
    return any(algebra.is_symbolic(v) for v in args)


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
    if algebra.is_symbolic(value) and arithmetic._is_expr(value):
        from shapecalc.symbolic import expr

        import sympy

        return sympy.floor(expr(value)) if not expr(value).is_integer else value
    raise interp.error(f"int() cannot convert {arithmetic.describe(value)}", node)


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
    if arithmetic._is_expr(value):
        return value
    raise interp.error(f"float() cannot convert {arithmetic.describe(value)}", node)


def _bool(interp, args, kwargs, node):
    return interp.truth(args[0], node) if args else False


def _str(interp, args, kwargs, node):
    return objects.format_value(interp, args[0], "", node) if args else ""


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
                result[objects.hashable(interp, key, node)] = value
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
            if (pick == "max" and arithmetic.compare(interp, "Gt", a, b, node)) or \
                    (pick == "min" and arithmetic.compare(interp, "Lt", a, b, node)):
                best = item
        return best

    return fn


def _abs(interp, args, kwargs, node):
    args = concrete(list(args))
    value = args[0]
    if isinstance(value, (int, float, Fraction)):
        return abs(value)
    if arithmetic._is_expr(value):
        return abs(value)
    raise interp.error(f"bad operand type for abs(): {arithmetic.describe(value)}", node)


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
    if arithmetic._is_expr(value) and digits is None:
        from shapecalc.symbolic import expr
        import sympy

        return sympy.floor(expr(value) + sympy.Rational(1, 2))
    raise interp.error(f"round() needs a number, got {arithmetic.describe(value)}", node)


def _isinstance(interp, args, kwargs, node):
    value, kinds = _exactly(interp, args, 2, "isinstance", node)
    kinds = kinds if isinstance(kinds, (tuple, list)) else (kinds,)
    return any(_is_instance(value, kind) for kind in kinds)


_TYPE_CHECKS = {
    "int": lambda v: (type(v) is int) or (arithmetic._is_expr(v) and getattr(v, "is_integer", False)),
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
    if isinstance(kind, frameworks.LayerClass):
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
            return objects.attribute(interp, receiver, name, node)
        except SpecError:
            return args[2]
    return objects.attribute(interp, receiver, name, node)


def _hasattr(interp, args, kwargs, node):
    try:
        objects.attribute(interp, args[0], args[1], node)
        return True
    except SpecError:
        return False


def _setattr(interp, args, kwargs, node):
    objects.set_attribute(interp, args[0], args[1], args[2], node)


def _super(interp, args, kwargs, node):
    """super() in a method: the class that defines the running method, and its `self`
    (found when an attribute of it is asked for)."""
    return objects._Super(interp, args, node)


class Options:
    """argparse's result (or a SimpleNamespace): names with values, which the code may set."""

    def __init__(self, members: dict) -> None:
        self.members = members


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

    def parsed():
        return Options(dict(defaults))

    members = {"add_argument": Builtin("add_argument", add_argument),
               "parse_args": Builtin("parse_args", lambda i, a, k, n: parsed()),
               "parse_known_args": Builtin("parse_known_args", lambda i, a, k, n: (
                   parsed(), [])),
               "add_argument_group": Builtin("add_argument_group", same),
               "add_mutually_exclusive_group": Builtin("group", same)}
    parser = Namespace("parser", lambda name: members.get(name) or Opaque(f"parser.{name}"))
    return parser


def _simple_namespace(interp, args, kwargs, node):
    return Options(dict(kwargs))


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
    return isinstance(args[0], (Builtin, Function, BoundMethod, UserClass, Module, frameworks.LayerClass))


def _type(interp, args, kwargs, node):
    value = args[0]
    if isinstance(value, Instance):
        return value.cls
    if isinstance(value, LayerModule):
        return frameworks.LayerClass(value.rule, getattr(value, "dotted", value.rule.name))
    if isinstance(value, Container):
        return Builtin(value.kind, _opaque_call)
    for name in ("bool", "int", "float", "str", "list", "tuple", "dict"):
        if _TYPE_CHECKS[name](value):
            return interp.library.builtins[name]
    return Opaque(f"type({arithmetic.describe(value)})")


class _Iterator:
    """iter(list): the items left."""

    def __init__(self, items: list) -> None:
        self.items = items


def _iter(interp, args, kwargs, node):
    if isinstance(args[0], Opaque):  # iter(dataloader)
        return Opaque(interp.text(node), harmless=True)
    return _Iterator(list(interp.iterate(args[0], node)))


def _next(interp, args, kwargs, node):
    source = args[0]
    if isinstance(source, _Iterator) and source.items:
        return source.items.pop(0)
    if isinstance(source, _Iterator):
        if len(args) > 1:
            return args[1]
        raise interp.error("next(): the iterator is exhausted (StopIteration)", node)
    return Opaque(interp.text(node), harmless=True)  # a batch from a loader


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

    return Builtin(f"partial({arithmetic.describe(func)})", call)


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
    "print": _print, "object": _ignored, "iter": _iter, "next": _next, "repr": _str,
    "format": _str,
    "ValueError": _opaque_call, "TypeError": _opaque_call, "NotImplementedError": _opaque_call,
    "RuntimeError": _opaque_call, "Exception": _opaque_call, "AssertionError": _opaque_call,
    "KeyError": _opaque_call, "IndexError": _opaque_call, "NotImplemented": _opaque_call,
}


def _math_function(fn, name):
    def call(interp, args, kwargs, node):
        values = [_number(interp, a, name, node) for a in args]
        if any(arithmetic._is_expr(v) for v in values):
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
    if isinstance(value, (int, float, Fraction)) or arithmetic._is_expr(value):
        return value
    raise interp.error(f"{name}() needs a number, got {arithmetic.describe(value)}", node)


_MATH = {name: _math_function(getattr(math, name), name) for name in (
    "ceil", "floor", "sqrt", "log", "log2", "log10", "exp", "prod", "gcd", "isqrt", "pow",
    "trunc", "fabs", "sin", "cos", "tanh", "comb", "factorial")}


_MATH["prod"] = lambda interp, args, kwargs, node: algebra.product(interp.iterate(args[0], node))
