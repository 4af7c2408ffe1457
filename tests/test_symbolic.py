"""Symbols anywhere an integer goes: readable closed forms, validity conditions, and the
property that substituting numbers into the symbolic answer gives the numeric answer."""

from __future__ import annotations

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecalc import analyze_text
from shapecalc.algebra import show
from shapecalc.cli import main

STRIDED = "convention: pytorch\ninput: (N, 3, H, W)\nnn.Conv2d(3, 8, 3, stride=2)\n" \
          "nn.Conv2d(8, 8, 3, stride=2)\n"


def test_two_strided_convs_give_one_floor():
    report = analyze_text(STRIDED)
    assert show(report.output_shape[2]) == "floor((H - 7)/4) + 1"
    assert report.conditions == ("H >= 7", "W >= 7")


def test_dilated_stack_conditions_are_bounds_on_the_input():
    report = analyze_text("convention: pytorch\ninput: (1, C, H, W)\n"
                          "nn.Conv2d(C, C, (r1, c1), dilation=d1)\n"
                          "nn.Conv2d(C, C, (r2, c2), dilation=d2)\n")
    assert report.conditions[:2] == ("H >= d1*(r1 - 1) + 1", "W >= d1*(c1 - 1) + 1")
    assert show(report.layers[-1].receptive_field[0].size) == "d1*(r1 - 1) + d2*(r2 - 1) + 1"


def test_rf_symbolic_closed_form(tmp_path):
    path = tmp_path / "rf.txt"
    path.write_text("convention: pytorch\ninput: (1, C, H, W)\n" + "".join(
        f"nn.Conv2d(C, C, 3, dilation=d{i}, padding=d{i})\n" for i in (1, 2, 3)))
    result = CliRunner().invoke(main, ["rf", str(path), "--symbolic"])
    assert result.exit_code == 0, result.output
    assert "every axis: size = 2*(d1 + d2 + d3) + 1" in result.output


def test_impossible_symbolic_layer_is_refused():
    report = analyze_text("convention: pytorch\ninput: (1, 3, 5, 5)\n"
                          "nn.Conv2d(3, 3, 3, dilation=d + 2)\n")
    assert report.errors and "effective kernel" in report.errors[0].message


LINES = [
    "nn.Conv2d(C, D, k, stride=s, padding=p, dilation=d)",
    "nn.Conv2d(C, D, k, stride=s)",
    "nn.Conv2d(C, D, (k, 1), padding=(p, 0))",
    "nn.Conv2d(C, D, 2*k + 1, padding=k)",
]


@settings(max_examples=150, deadline=None)
@given(line=st.sampled_from(LINES), C=st.integers(1, 4), D=st.integers(1, 4),
       k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2), d=st.integers(1, 3),
       H=st.integers(1, 30), W=st.integers(1, 30), N=st.integers(1, 3))
def test_substituting_numbers_into_the_symbolic_answer_gives_the_numeric_one(line, **values):
    text = f"convention: pytorch\ninput: (N, C, H, W)\n{line}\n{line.replace('C, D', 'D, D')}\n"
    numeric = analyze_text(text, bindings=values)
    symbolic = analyze_text(text)
    from shapecalc.symbolic import symbol

    subs = {symbol(name): value for name, value in values.items()}
    if numeric.errors:
        # the symbolic answer states the condition the numbers break
        conditions = [c for layer in symbolic.layers for c in layer.conditions]
        assert conditions or symbolic.errors
        return
    assert not symbolic.errors
    for num, sym in zip(numeric.layers, symbolic.layers):
        for field in ("output_shape", "params", "macs"):
            expected = getattr(num, field)
            got = getattr(sym, field)
            if isinstance(got, tuple):
                got = tuple(g if isinstance(g, int) else g.xreplace(subs) for g in got)
            elif not isinstance(got, int):
                got = got.xreplace(subs)
            assert got == expected, (field, line, values)
        if num.receptive_field is not None:
            for a, b in zip(num.receptive_field, sym.receptive_field):
                for attr in ("size", "jump", "start"):
                    value = getattr(b, attr)
                    value = value if isinstance(value, int) else value.xreplace(subs)
                    assert value == getattr(a, attr)


def test_seed_004_p2_3_closed_forms():
    # D filters, dilation N, kernel K on an I x I input: output D x (I - N(K-1))^2
    report = analyze_text("convention: pytorch\ninput: (1, C, I, I)\n"
                          "nn.Conv2d(C, D, K, dilation=N)\n")
    layer = report.layers[0]
    assert [show(d) for d in layer.output_shape[1:]] == ["D", "I - N*(K - 1)", "I - N*(K - 1)"]
    assert show(layer.macs) == "C*D*K**2*(I - N*(K - 1))**2"
    assert layer.conditions == ("I >= N*(K - 1) + 1",)
