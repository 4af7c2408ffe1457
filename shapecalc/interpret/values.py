"""The values spec code computes with, other than Python's own plain data.

Ints, floats, bools, None, strings, tuples, lists, dicts and slices are Python's own
objects: they are data, and the interpreter reaches their methods only through its own
tables. Everything else a program can hold is one of the classes here. Tensors are
shapes; modules are layer rules with bound arguments, containers, or instances of the
program's own classes. No value here wraps a real framework object, and no attribute
of any value is looked up with ``getattr``: each kind answers only the attributes the
interpreter gives it.
"""

from __future__ import annotations

from shapecalc.record import Record


UNSTATED = "unstated"  # an `input:` line's tensor with no dtype: floats, or indices


class Tensor(Record):
    """A tensor as a shape: sizes (ints or symbols; Keras' batch is None), receptive
    field, the name of what produced it, and its kind of dtype ("float", "int", "bool", or
    UNSTATED: an input whose dtype the spec does not say, indices where they are read as
    such, as the user means, though torchinfo would need dtypes=[torch.long])."""

    shape: tuple
    field: tuple | None = ()  # () before any window layer: identity on every axis
    source: str = "input"
    dtype: str = "float"


class SymbolicRange:
    """`range(a, L)` whose count depends on unbound symbols, as a `for` loop's iterable:
    the loop runs in closed form (``interpret.loops``)."""

    def __init__(self, start, stop) -> None:
        self.start = start
        self.stop = stop


class Opaque:
    """What a call the interpreter does not know gave back (an optimizer, a loss, a
    device): carried along harmlessly, refused only where a number or a tensor is needed."""

    def __init__(self, text: str, unbound: bool = False, harmless: bool = False) -> None:
        self.text = text
        self.unbound = unbound  # its first name was bound by nothing (no import)
        self.harmless = harmless  # derived from a layer's weights: calls on it do nothing

    def __repr__(self) -> str:
        return f"<{self.text}>"


class Unbound:
    """A name nothing bound (`device` in `model.to(device)`, `H` in a shape): a positive-
    integer symbol where a number is needed, and nothing more until then, so that a numeric
    analysis that passes one along never imports sympy."""

    def __init__(self, name: str) -> None:
        self.name = name

    def symbol(self):
        from shapecalc.symbolic import symbol

        return symbol(self.name)

    def __repr__(self) -> str:
        return self.name


def concrete(value):
    """A value with every unbound name in it made a symbol."""
    if isinstance(value, Unbound):
        return value.symbol()
    if type(value) is tuple:
        return tuple(concrete(v) for v in value)
    if type(value) is list:
        return [concrete(v) for v in value]
    return value


class Namespace:
    """A module-like name: ``torch``, ``nn``, ``F``, ``layers``, ``math``. ``lookup``
    gives a member by name (None when it has none)."""

    def __init__(self, name: str, lookup) -> None:
        self.name = name
        self.lookup = lookup

    def __repr__(self) -> str:
        return f"<namespace {self.name}>"


class Builtin:
    """A function the interpreter implements: ``fn(interp, args, kwargs, node)``."""

    def __init__(self, name: str, fn, bound: object = None) -> None:
        self.name = name
        self.fn = fn
        self.bound = bound  # the receiver of a method (a list, a tensor, a module)

    def __repr__(self) -> str:
        return f"<builtin {self.name}>"


class Function:
    """A function or method defined in the spec."""

    def __init__(self, name: str, qualname: str, node, closure, defaults: dict,
                 kind: str = "function") -> None:
        self.name = name
        self.qualname = qualname
        self.node = node  # ast.FunctionDef or ast.Lambda
        self.closure = closure  # the frame it was defined in
        self.defaults = defaults  # parameter name -> evaluated default
        self.kind = kind  # function, staticmethod, classmethod, property

    def __repr__(self) -> str:
        return f"<function {self.qualname}>"


class BoundMethod:
    def __init__(self, function: Function, receiver: object) -> None:
        self.function = function
        self.receiver = receiver


class UserClass:
    """A class defined in the spec. ``bases`` are user classes or framework base names
    (``Module``, ``Model``, ``Layer``, ``Classifier``...)."""

    def __init__(self, name: str, bases: tuple, namespace: dict, span) -> None:
        self.name = name
        self.bases = bases
        self.namespace = namespace
        self.span = span

    def mro(self) -> list:
        order: list = [self]
        for base in self.bases:
            for klass in base.mro() if isinstance(base, UserClass) else [base]:
                if klass not in order:
                    order.append(klass)
        return order

    def lookup(self, name: str):
        for klass in self.mro():
            if isinstance(klass, UserClass) and name in klass.namespace:
                return klass.namespace[name]
        return None

    def framework_bases(self) -> set:
        return {k for k in self.mro() if isinstance(k, FrameworkBase)}

    def __repr__(self) -> str:
        return f"<class {self.name}>"


class FrameworkBase(Record):
    """A framework class a spec's class derives from: nn.Module, keras.Model, keras.layers.
    Layer, d2l's Module/Classifier. ``kind`` says how an instance is called."""

    framework: str
    name: str
    kind: str  # "module" (forward), "keras" (call), "net" (forward applies self.net), "plain"


class Parameter:
    """``nn.Parameter(...)``, ``register_buffer`` or Keras' ``add_weight``: a tensor that is
    counted as parameters (trainable or not) or as a buffer."""

    def __init__(self, tensor: Tensor, kind: str) -> None:
        self.tensor = tensor
        self.kind = kind  # "trainable", "non_trainable" or "buffer"
        self.owner = None  # the module it belongs to, once assigned
        self.attr = ""
        self.reported = False
