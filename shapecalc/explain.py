"""Worked formulas: each number with its formula and the formula substituted, as a student
writes it — in plain text, Markdown and LaTeX from one template.

A layer rule states a step as ``call.explain("H", "floor((L + 2*p - d*(k - 1) - 1)/s) + 1",
124, L=256, p=0, d=2, k=5, s=2)``. The template is shapecalc's own text (never the user's);
it is parsed once with the standard parser into a tree and rendered three ways.
"""

from __future__ import annotations

import ast
import re
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
        text = f"{rule_text(step.rule, target)}: {text}"
    return text


def rule_text(rule: str, target: str) -> str:
    """A convention's rule ("Keras 'same'") with its quoted word as code."""
    if target == "markdown":
        return rule.replace("'", "`")
    if target == "latex":
        return re.sub(r"'([^']*)'", r"\\texttt{\1}", latex_text(rule))
    return rule


_LATEX_TEXT = {
    "\\": "\\textbackslash{}", "&": "\\&", "%": "\\%", "$": "\\$", "#": "\\#", "_": "\\_",
    "{": "\\{", "}": "\\}", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}",
    "|": "\\textbar{}", "<": "\\textless{}", ">": "\\textgreater{}",
    "`": "\\textasciigrave{}", "−": "$-$", "·": "$\\cdot$", "×": "$\\times$", "…": "\\ldots{}",
    "–": "--", "—": "---", "≥": "$\\geq$", "≤": "$\\leq$", "≠": "$\\neq$", "∏": "$\\prod$",
    "Σ": "$\\Sigma$", "→": "$\\to$", "←": "$\\leftarrow$", "²": "$^{2}$", "ᵀ": "$^{T}$",
}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX_TEXT)) + "]")


def latex_text(text: str) -> str:
    """Plain text made safe for LaTeX: its special characters escaped, and the characters
    that the standard text fonts print as others (``<`` as ``¡``, a backtick as an opening
    quote) or that pdflatex does not know (``−``, ``≥``, the signs shapecalc's messages
    use) written as commands."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX_TEXT[m[0]], text)


def _name(name: str, target: str) -> str:
    if target == "latex":
        primes = len(name) - len(name.rstrip(PRIME))
        name = name.rstrip(PRIME)
        if primes:
            return _name(name, target) + "'" * primes
        base, _, sub = name.partition("_")
        base = base if len(base) == 1 else f"\\mathrm{{{base}}}"
        return f"{base}_{{\\mathrm{{{sub}}}}}" if sub else base
    return name


def _value(value, target: str) -> str:
    if isinstance(value, tuple):
        if target == "latex":
            inner = ", ".join(latex_value(d) for d in value)
            return f"({inner}{',' if len(value) == 1 else ''})"
        return algebra.show_shape(value)
    if target == "latex":
        return latex_value(value)
    return algebra.show(value)


def latex_value(value) -> str:
    """A number or expression in LaTeX: 51{,}232, or sympy's LaTeX for an expression."""
    if value is None:
        return "\\mathrm{None}"
    if isinstance(value, (int, str, float)) or algebra.is_number(value):
        return algebra.show(value).replace(",", "{,}")
    import sympy

    from shapecalc.symbolic import over_one_denominator

    return sympy.latex(over_one_denominator(value) if isinstance(value, sympy.Basic) else value)


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
                if isinstance(value, tuple):
                    return _value(value, self.target)
                text = _value(value, self.target).replace("{,}", "").replace(",", "")
                if type(value) is int and value < 0:
                    text = f"({text})"
                elif value is not None and type(value) is not int and \
                        not text.replace("_", "").isalnum():
                    text = f"({text})"
                return text
            return _name(node.id, self.target)
        if isinstance(node, ast.Tuple):  # a shape
            items = [self(item) for item in node.elts]
            return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
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


# -- every layer's three numbers, and formula names apart from the user's -----------------

SHAPE, PARAMS, MACS = "shape", "params", "MACs"
_PARAMETER_QUANTITIES = {"params", "trainable", "non_trainable", "non-trainable", "buffers"}


def kind(step: Step) -> str:
    """Which of a layer's numbers a step works out: its output shape, its parameters (or
    buffers) or its MACs."""
    if step.quantity in _PARAMETER_QUANTITIES:
        return PARAMS
    if step.quantity == MACS:
        return MACS
    return SHAPE


def completed(steps: list[Step], input_shape: tuple, output_shape: tuple, weights,
              macs) -> list[Step]:
    """The steps a rule wrote, plus the ones that need no formula of the layer's own: the
    shape a layer keeps, no weights, no matmul or convolution. A number that takes a
    formula and has none is left missing (tests find it)."""
    kinds = {kind(step) for step in steps}
    out = list(steps)
    if SHAPE not in kinds and tuple(output_shape) == tuple(input_shape):
        out.append(Step("shape", "input", (("input", tuple(input_shape)),), tuple(output_shape),
                        rule="unchanged"))
    if PARAMS not in kinds and algebra.truth(algebra.equal(weights, 0)) is True:
        out.append(Step("params", "0", (), 0, rule="no weights"))
    if MACS not in kinds and algebra.truth(algebra.equal(macs, 0)) is True:
        out.append(Step("MACs", "0", (), 0, rule="no matmul or convolution"))
    return out


PRIME = "\u02b9"  # ʹ, a letter Python accepts in a name: N clashing with the user's N is Nʹ


def apart_from(steps: tuple[Step, ...], reserved: set[str]) -> tuple[Step, ...]:
    """The steps with every formula name that is also one of the user's symbols renamed
    (N, the batch in a formula, becomes Nʹ when the user's N is a dilation); a name whose
    value is the user's symbol of that name means the same thing and stays."""
    return tuple(_apart(step, reserved) for step in steps)


def _apart(step: Step, reserved: set[str]) -> Step:
    values = dict(step.values)
    names = {node.id for node in ast.walk(_tree(step.template)) if isinstance(node, ast.Name)}
    names.add(step.quantity)
    clashes = {name for name in names & reserved
               if algebra.show(values.get(name)) != name or name == step.quantity}
    if not clashes:
        return step
    renamed = {}
    for name in clashes:
        new = name + PRIME
        while new in reserved or new in names:
            new += PRIME
        renamed[name] = new
    template = _Rename(renamed).visit(ast.parse(step.template, mode="eval"))
    return step.replace(quantity=renamed.get(step.quantity, step.quantity),
                        template=ast.unparse(template),
                        values=tuple((renamed.get(k, k), v) for k, v in step.values))


class _Rename(ast.NodeTransformer):
    def __init__(self, renamed: dict[str, str]) -> None:
        self.renamed = renamed

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(self.renamed.get(node.id, node.id), node.ctx)
