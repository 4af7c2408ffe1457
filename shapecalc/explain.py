"""Worked formulas: each number with its formula and the formula substituted, as a student
writes it — in plain text, Markdown and LaTeX from one template.

A layer rule states a step as ``call.explain("H", "floor((L + 2*p - d*(k - 1) - 1)/s) + 1",
124, L=256, p=0, d=2, k=5, s=2)``. The template is shapecalc's own text (never the user's);
it is parsed once with the standard parser into a tree and rendered three ways.
"""

from __future__ import annotations

import ast
from functools import lru_cache

from shapecalc import algebra
from shapecalc.record import Record

_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.FloorDiv: 2, ast.Mod: 2,
               ast.Pow: 3}
_FUNCTIONS = {"floor", "ceil", "max", "min"}


class Step(Record):
    quantity: str
    template: str
    values: tuple
    result: object
    rule: str = ""  # the convention's rule, where it matters ("Keras 'same'")
    counting: bool = False  # products of counts print with ×, sizes with ·


@lru_cache(maxsize=None)
def _tree(template: str) -> ast.AST:
    return ast.parse(template, mode="eval").body


def render(step: Step, target: str = "text") -> str:
    """``quantity = formula = substituted = result`` in text, markdown or latex."""
    values = dict(step.values)
    tree = _tree(step.template)
    formula = _Render(target, {}, step.counting)(tree)
    substituted = _Render(target, values, step.counting)(tree)
    result = _value(step.result, target)
    quantity = _name(step.quantity, target)
    parts = [quantity, formula] if formula != substituted else [quantity]
    parts += [substituted, result] if substituted != result else [result]
    text = " = ".join(parts)
    if target == "latex":
        text = f"${text}$"
    if step.rule:
        text = f"{_rule(step.rule, target)}: {text}"
    return text


def _rule(rule: str, target: str) -> str:
    if target == "markdown":
        return rule.replace("'", "`")
    if target == "latex":
        return latex_text(rule).replace("'", "`")
    return rule


def latex_text(text: str) -> str:
    """Plain text made safe for LaTeX."""
    for char, escaped in (("\\", "\\textbackslash{}"), ("&", "\\&"), ("%", "\\%"),
                          ("$", "\\$"), ("#", "\\#"), ("_", "\\_"), ("{", "\\{"),
                          ("}", "\\}"), ("~", "\\textasciitilde{}"),
                          ("^", "\\textasciicircum{}")):
        text = text.replace(char, escaped)
    return text


def _name(name: str, target: str) -> str:
    if target == "latex":
        base, _, sub = name.partition("_")
        base = base if len(base) == 1 else f"\\mathrm{{{base}}}"
        return f"{base}_{{\\mathrm{{{sub}}}}}" if sub else base
    return name


def _value(value, target: str) -> str:
    if target == "latex":
        return latex_value(value)
    return algebra.show(value)


def latex_value(value) -> str:
    """A number or expression in LaTeX: 51{,}232, or sympy's LaTeX for an expression."""
    if value is None or isinstance(value, (int, str, float)) or algebra.is_number(value):
        return algebra.show(value).replace(",", "{,}")
    import sympy

    return sympy.latex(value)


class _Render:
    def __init__(self, target: str, values: dict, counting: bool) -> None:
        self.target = target
        self.values = values
        self.times = {"text": " × ", "markdown": " × ", "latex": " \\times "}[target] \
            if counting else {"text": "·", "markdown": "·", "latex": " \\cdot "}[target]
        self.minus = " − " if target != "latex" else " - "

    def __call__(self, node: ast.AST, parent: int = 0) -> str:
        if isinstance(node, ast.Constant):
            return str(node.value)
        if isinstance(node, ast.Name):
            if node.id in self.values:
                value = self.values[node.id]
                text = _value(value, self.target).replace("{,}", "").replace(",", "")
                if type(value) is int and value < 0:
                    text = f"({text})"
                elif not (type(value) is int) and not text.replace("_", "").isalnum():
                    text = f"({text})"
                return text
            return _name(node.id, self.target)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return f"-{self(node.operand, 3)}"
        if isinstance(node, ast.BinOp):
            level = _PRECEDENCE[type(node.op)]
            if isinstance(node.op, ast.Div):
                return self._fraction(node, parent)
            left = self(node.left, level)
            right = self(node.right, level + (0 if isinstance(node.op, (ast.Add, ast.Mult))
                                               else 1))
            op = {ast.Add: " + ", ast.Sub: self.minus, ast.Mult: self.times,
                  ast.Pow: "^"}[type(node.op)]
            if isinstance(node.op, ast.Pow) and self.target == "latex":
                text = f"{left}^{{{right}}}"
            else:
                text = f"{left}{op}{right}"
            return f"({text})" if level < parent else text
        if isinstance(node, ast.Call) and node.func.id in _FUNCTIONS:
            args = [self(a) for a in node.args]
            name = node.func.id
            if self.target == "latex":
                if name == "floor":
                    return f"\\left\\lfloor {args[0]} \\right\\rfloor"
                if name == "ceil":
                    return f"\\left\\lceil {args[0]} \\right\\rceil"
                return f"\\{name}({', '.join(args)})"
            return f"{name}({', '.join(args)})"
        raise ValueError(f"unsupported template node {ast.dump(node)}")

    def _fraction(self, node: ast.BinOp, parent: int) -> str:
        if self.target == "latex":
            return f"\\frac{{{self(node.left)}}}{{{self(node.right)}}}"
        left = self(node.left, 2)
        right = self(node.right, 3)
        text = f"{left} / {right}"
        return f"({text})" if parent > 2 else text
