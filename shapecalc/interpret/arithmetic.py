"""Arithmetic, comparison, truth and iteration of spec values: Python's rules on plain
numbers, exact integers kept exact, symbols through ``shapecalc.algebra``, and bounds on
every size so that no program computes for ever."""

from __future__ import annotations

import math
import re
from fractions import Fraction

from shapecalc import algebra
from shapecalc.interpret import builtins, frameworks, objects, tensors
from shapecalc.interpret.modules import Container, Instance, Module
from shapecalc.interpret.values import (BoundMethod, Builtin, FrameworkBase, Function, Namespace,
                                        Opaque, Parameter, Tensor, Unbound, UserClass, concrete)
from shapecalc.spec.evaluate import Reference


def _is_expr(value) -> bool:
    return algebra.is_symbolic(value) and not isinstance(value, (
        Module, Opaque, Builtin, Function, BoundMethod, UserClass, Namespace, Tensor,
        Parameter, frameworks.LayerClass, frameworks.UnknownLayer, FrameworkBase, list, dict, range, slice, objects._Super,
        Reference, frameworks.UnknownModule, Unbound)) and value is not Ellipsis


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
        result = Opaque(interp.text(node))  # sum(p.numel() for p in model.parameters())
        result.contents = getattr(a, "contents", None) or getattr(b, "contents", None)
        return result
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
                result = a / b if isinstance(a, int) and isinstance(b, int) else \
                    algebra.divide(a, b)  # Python's true division; Fractions stay exact
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
        if count * len(text) > frameworks.MAX_STRING:
            raise interp.error(f"a string longer than {frameworks.MAX_STRING:,} characters", node)
        result = text * count
    elif op == "%" and isinstance(a, str):
        values = b if isinstance(b, tuple) else (b,)
        if re.search(r"%[-+ #0]*\d{4,}", a) or re.search(r"%[-+ #0]*\*", a):
            raise interp.error("unsupported format width", node)
        if not all(isinstance(v, (int, float, str)) for v in values):
            values = tuple(objects.format_value(interp, v, "", node) for v in values)
        try:
            result = a % values
        except (TypeError, ValueError) as error:
            raise interp.error(f"string formatting: {error}", node) from None
    else:
        raise interp.error(f"unsupported operand types for {op}: {describe(a)} and "
                           f"{describe(b)}", node)
    if len(result) > frameworks.MAX_STRING:
        raise interp.error(f"a string longer than {frameworks.MAX_STRING:,} characters", node)
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
    if isinstance(value, builtins._Iterator):
        items, value.items = value.items, []
        return items
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
        if getattr(value, "contents", None):  # sizes computed from a tensor's numbers
            raise interp.error(f"the code iterates over numbers held in a tensor "
                               f"(`{value.contents}`), which shapecalc does not compute", node)
        return []  # a data loader in a training loop: nothing to count here
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
    if isinstance(value, frameworks.LayerClass):
        return f"the layer class `{value.dotted}`"
    if isinstance(value, Opaque):
        return f"`{value.text}`"
    if isinstance(value, Namespace):
        return f"the module `{value.name}`"
    if _is_expr(value):
        return f"`{value}`"
    return type(value).__name__
