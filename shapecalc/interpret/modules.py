"""Module values: layers with bound arguments, containers, instances of the spec's classes.

A module knows its place in the model tree (its parent and the attribute it is stored
under), so that its rows are named as PyTorch's ``named_modules()`` names them
(``layer1.0.conv1``), and whether it has been applied, so that weights shared between
calls are counted once.
"""

from __future__ import annotations

import itertools

from shapecalc.interpret.values import UserClass

_SERIALS = itertools.count()


def serial() -> int:
    """A number larger than every module's made so far: a statement's value is a module
    made by that statement when its serial is larger."""
    return next(_SERIALS)


class Module:
    framework: str = ""

    def __init__(self) -> None:
        self.serial = next(_SERIALS)
        self.parent: Module | None = None
        self.attr = ""
        self.applied = False
        self.training: bool | None = None  # None: the analysis' --mode; set by the code

    def adopt(self, child: object, attr: str) -> None:
        """PyTorch registers a module stored as an attribute (or a container's item) under
        that name; the first place it is stored names it."""
        if isinstance(child, Module) and child is not self and (
                child.parent is None or (isinstance(child.parent, Container) and
                                         child.parent.parent is None)):
            child.parent = self  # a free-standing Sequential's layers move to their owner
            child.attr = attr
        elif hasattr(child, "owner") and getattr(child, "owner") is None:  # a Parameter
            child.owner = self
            child.attr = attr

    def path(self) -> str:
        parts = []
        node: Module | None = self
        while node is not None and node.parent is not None:
            parts.append(node.attr)
            node = node.parent
        return ".".join(reversed(parts))


    def children(self) -> list[tuple[str, object]]:
        return []

    def descendants(self):
        """This module and every module below it, depth first, each once."""
        seen: set[int] = set()
        stack: list[Module] = [self]
        while stack:
            module = stack.pop(0)
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield module
            stack[:0] = [c for _, c in module.children() if isinstance(c, Module)]

    @property
    def type_name(self) -> str:
        return type(self).__name__


class LayerModule(Module):
    """A framework layer: its rule and arguments, bound when it was constructed."""

    def __init__(self, rule, arguments: dict, span, source: str) -> None:
        super().__init__()
        self.rule = rule
        self.arguments = arguments
        self.span = span
        self.source = source
        self.framework = rule.framework

    @property
    def type_name(self) -> str:
        return self.rule.name


class Container(Module):
    """nn.Sequential, nn.ModuleList, nn.ModuleDict, keras.Sequential. ``items`` is a list,
    or a dict for ModuleDict; a Sequential applies its items in order."""

    def __init__(self, kind: str, framework: str, items, span, source: str) -> None:
        super().__init__()
        self.kind = kind
        self.framework = framework
        self.items = items
        self.names: list[str] = []  # a Sequential's items by name (OrderedDict, add_module)
        self.span = span
        self.source = source
        for attr, child in self.children():
            self.adopt(child, attr)

    def children(self) -> list[tuple[str, object]]:
        if isinstance(self.items, dict):
            return list(self.items.items())
        names = self.names + [str(i) for i in range(len(self.names), len(self.items))]
        return list(zip(names, self.items))

    def add(self, item: object, name: str | None = None) -> None:
        if isinstance(self.items, dict):
            self.items[name] = item
        else:
            name = str(len(self.items)) if name is None else name
            self.names = [n for n, _ in self.children()] + [name]
            self.items.append(item)
        self.adopt(item, name)

    @property
    def type_name(self) -> str:
        return self.kind


class Instance(Module):
    """An instance of a class the spec defines (on nn.Module, keras.Model, Layer...)."""

    def __init__(self, cls: UserClass, framework: str) -> None:
        super().__init__()
        self.cls = cls
        self.framework = framework
        self.attrs: dict[str, object] = {}
        self.built = False  # Keras: build(input_shape) has run

    def children(self) -> list[tuple[str, object]]:
        return [(k, v) for k, v in self.attrs.items()
                if isinstance(v, Module) and not k.startswith("__")]

    def set(self, name: str, value: object) -> None:
        self.attrs[name] = value
        self.adopt(value, name)

    @property
    def type_name(self) -> str:
        return self.cls.name


class FunctionalModel(Module):
    """``keras.Model(inputs, outputs)``: the graph its layers were applied in."""

    def __init__(self, inputs, outputs, span) -> None:
        super().__init__()
        self.framework = "keras"
        self.inputs = inputs
        self.outputs = outputs
        self.span = span

    @property
    def type_name(self) -> str:
        return "Functional"


class Repeated(Module):
    """`[Block(c) for _ in range(L)]` with L a symbol: the item the comprehension makes on a
    symbolic iteration, standing for its L copies; applied, it repeats in closed form
    (``interpret.loops``)."""

    def __init__(self, item: object, start, count, index, node, text: str) -> None:
        super().__init__()
        self.item, self.start, self.count, self.index = item, start, count, index
        self.node, self.text = node, text
        self.framework = getattr(item, "framework", "")
        self.adopt(item, "0")

    def children(self) -> list[tuple[str, object]]:
        return [("0", self.item)] if isinstance(self.item, Module) else []
