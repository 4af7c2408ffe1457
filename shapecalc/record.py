"""Immutable records: the core values (syntax nodes, layer results, reports).

Like frozen dataclasses, but defined without generating code at import time: a frozen
dataclass costs about a millisecond to define, and shapecalc defines dozens, which a
numeric ``shapecalc analyze`` would pay at every start-up.

    class Point(Record):
        x: int
        y: int = 0
        span: object = None
        _hidden = frozenset({"span"})   # left out of equality, hashing and repr
"""

from __future__ import annotations


class Record:
    _fields: tuple[str, ...] = ()
    _defaults: dict = {}
    _hidden: frozenset = frozenset()
    _compared: tuple[str, ...] = ()
    _field_set: frozenset = frozenset()

    def __init_subclass__(cls, **options) -> None:
        super().__init_subclass__(**options)
        fields: list[str] = []
        defaults: dict = {}
        for klass in reversed(cls.__mro__):
            own = klass.__dict__
            for name in own.get("__annotations__", {}):
                if name.startswith("_"):
                    continue
                if name not in fields:
                    fields.append(name)
                if name in own:
                    defaults[name] = own[name]
        cls._fields = tuple(fields)
        cls._field_set = frozenset(fields)
        cls._defaults = defaults
        cls._compared = tuple(f for f in fields if f not in cls._hidden)

    def __init__(self, *args, **kwargs) -> None:
        fields = self._fields
        values = self._defaults.copy()
        if args:
            if len(args) > len(fields):
                raise TypeError(f"{type(self).__name__} takes {len(fields)} fields, "
                                f"got {len(args)}")
            values.update(zip(fields, args))
            if kwargs and not kwargs.keys().isdisjoint(fields[:len(args)]):
                raise TypeError(f"{type(self).__name__}: a field given twice")
        values.update(kwargs)
        if len(values) != len(fields) or (kwargs and not kwargs.keys() <= self._field_set):
            missing = [f for f in fields if f not in values]
            unknown = [k for k in kwargs if k not in self._field_set]
            raise TypeError(f"{type(self).__name__}: missing {missing}, unknown {unknown}")
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _key(self) -> tuple:
        values = self.__dict__
        return tuple(values[f] for f in self._compared)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((type(self), self._key()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={self.__dict__[f]!r}" for f in self._compared)
        return f"{type(self).__name__}({inner})"

    def replace(self, **changes) -> Record:
        """A copy with some fields changed."""
        return type(self)(**{**{f: self.__dict__[f] for f in self._fields}, **changes})
