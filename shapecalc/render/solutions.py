"""The answers of `shapecalc solve` in every format."""

from __future__ import annotations

import json


def render_answers(answers: list, fmt: str = "table") -> str:
    draw = {"table": _text, "markdown": _markdown, "latex": _latex, "json": _json}[fmt]
    return draw(answers)


def _text(answers: list) -> str:
    return "".join(answer.text() + "\n" for answer in answers)


def _where(answer) -> str:
    return f"axis {answer.axes[0]}" if len(answer.axes) == 1 else \
        f"axes {', '.join(map(str, answer.axes))}"


def _markdown(answers: list) -> str:
    from shapecalc.symbolic import readable

    out = []
    for answer in answers:
        if not answer.axes or answer.solution is None:
            out.append(f"- {answer.text()}" if answer.solution is None else
                       f"- valid for `{answer.solution.describe()}`")
        else:
            out.append(f"- {_where(answer)}, `{readable(answer.size)} {answer.relation} "
                       f"{readable(answer.target)}`: `{answer.solution.describe()}`")
    return "\n".join(out) + "\n"


def _latex(answers: list) -> str:
    from shapecalc.explain import latex_text, latex_value

    def solved(solution) -> str:
        u = latex_text(solution.unknown)
        if solution.value is not None:
            text = f"${u} = {latex_value(solution.value)}$"
        elif solution.empty:
            text = f"no integer ${u}$"
        elif solution.low is None and solution.high is None:
            text = f"any ${u}$"
        else:
            low = "" if solution.low is None else f"{latex_value(solution.low)} \\leq "
            high = "" if solution.high is None else f" \\leq {latex_value(solution.high)}"
            text = f"${low}{u}{high}$"
        return text + (f" ({latex_text(solution.note)})" if solution.note else "")

    out = ["\\begin{itemize}"]
    for answer in answers:
        if answer.solution is None:
            out.append(f"\\item {latex_text(answer.text())}")
        elif not answer.axes:
            out.append(f"\\item valid for {solved(answer.solution)}")
        else:
            relation = "\\geq" if answer.relation == ">=" else answer.relation
            out.append(f"\\item {_where(answer)}, ${latex_value(answer.size)} {relation} "
                       f"{latex_value(answer.target)}$: {solved(answer.solution)}")
    out.append("\\end{itemize}")
    return "\n".join(out) + "\n"


def _json(answers: list) -> str:
    from shapecalc.render.json_ import value

    def solved(solution) -> dict:
        if solution is None:
            return {"value": None, "low": None, "high": None, "note": None}
        return {"value": value(solution.value), "low": value(solution.low),
                "high": value(solution.high), "empty": solution.empty,
                "note": solution.note or None}

    return json.dumps({
        "unknown": answers[0].unknown,
        "answers": [{"axes": list(answer.axes), "size": value(answer.size),
                     "relation": answer.relation,
                     "target": value(answer.target), **solved(answer.solution),
                     "text": answer.text()} for answer in answers],
    }, indent=2) + "\n"
