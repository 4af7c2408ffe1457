"""Loops repeated a symbolic number of times (`for i in range(L)`, L unbound): closed forms
in L, and the property that substituting numbers into them gives the numeric analysis of
the same spec with L bound (`--set L=n`), on a grid that includes s = 1, p > 0 and d > 1."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecalc import analyze_text
from shapecalc.render import json_

CONV = "nn.Conv2d(C, C, k, stride=s, padding=p, dilation=d)"

BODIES = {
    "conv": f"for i in range(L):\n    {CONV}\n",
    "conv_bn_relu": f"for i in range(L):\n    {CONV}\n    nn.BatchNorm2d(C)\n    nn.ReLU()\n",
    "assigned": f"x = input\nfor _ in range(L):\n    x = {CONV}(x)\n    x = nn.ReLU()(x)\n",
    "from_one": f"for i in range(1, L + 1):\n    {CONV}\n",
    "conv_pool": f"for i in range(L):\n    {CONV}\n    nn.MaxPool2d(2, stride=s, padding=p // 2)\n",
    "block": (f"def block(x, c):\n    y = {CONV.replace('C, C', 'c, c')}(x)\n"
              "    return nn.ReLU()(y)\n\nfor i in range(L):\n    block(C)\n"),
    "linear": "for i in range(L):\n    nn.Linear(W, W)\n    nn.ReLU()\n",
}


def spec(body: str, name: str) -> str:
    shape = "(N, W)" if name == "linear" else "(N, C, H, W)"
    return f"convention: pytorch\ninput: {shape}\n\n{body}"


def parsed(value):
    """A JSON value as sympy reads it back (the JSON contract: strings sympy parses)."""
    if value is None or isinstance(value, int):
        return value
    return sympy.parse_expr(value, local_dict=NAMES)


NAMES = {n: sympy.Symbol(n) for n in ("N", "C", "H", "W", "L", "S", "E", "I", "O", "Q")}


def substituted(value, values: dict):
    value = parsed(value)
    if value is None or isinstance(value, int):
        return value
    names = {sympy.Symbol(n): v for n, v in values.items()}
    result = value.subs(names).doit()
    return int(result) if result.is_Integer else result


def as_json(report) -> dict:
    return json.loads(json_.render(report))


def test_one_strided_conv_repeated_reads_as_one_floor_with_stride_one_apart():
    report = analyze_text(spec(BODIES["conv"], "conv"))
    assert report.ok, report.errors
    out = as_json(report)
    assert out["output_shape"][2] == (
        "Piecewise((H + L*(-d*k + d + 2*p), Eq(s, 1)), "
        "(floor((H + (s**L - 1)*(-d*k + d + 2*p + s - 1)/(s - 1))/s**L), True))")
    assert out["params"] == "L*(C**2*k**2 + C)"
    field = out["layers"][0]["receptive_field"]
    assert field["jump"][0] == "s**L"
    assert field["size"][0] == ("Piecewise((L*(d*k - d) + 1, Eq(s, 1)), "
                                "(1 + (s**L - 1)*(d*k - d)/(s - 1), True))")
    assert out["layers"][0]["block"] == "repeat_L"


def test_stride_one_stack_is_linear_in_the_count_with_a_closed_sum_of_macs():
    report = analyze_text("convention: pytorch\ninput: (1, C, H, H)\n"
                          "for i in range(L):\n    nn.Conv2d(C, C, 3)\n")
    out = as_json(report)
    assert out["output_shape"][2] == "H - 2*L"
    assert out["layers"][0]["receptive_field"]["size"][0] == "2*L + 1"
    assert "Sum" not in out["macs"]
    assert substituted(out["macs"], {"C": 2, "H": 10, "L": 3}) == 4 * 9 * (64 + 36 + 16)
    assert "H >= 2*L + 1" in report.conditions


def test_seed_004_p2_stack_of_L_convolutions():
    # L stacked k x k convolutions with stride s: receptive field 1 + (k - 1)(s^L - 1)/(s - 1)
    # and jump s^L; with L bound, the same numbers as the layers written out
    text = "convention: pytorch\ninput: (1, 1, H, H)\nfor l in range(L):\n" \
           "    nn.Conv2d(1, 1, k, stride=s)\n"
    out = as_json(analyze_text(text))
    field = out["layers"][-1]["receptive_field"]
    size, jump = parsed(field["size"][0]), parsed(field["jump"][0])
    L, k, s = sympy.symbols("L k s")
    general = 1 + (k - 1) * (s**L - 1) / (s - 1)
    assert sympy.simplify(size.args[1][0] - general) == 0
    assert size.args[0][0] == L * (k - 1) + 1
    assert jump == s**L
    three = analyze_text(text, bindings={"L": 3})
    assert str(sympy.expand(three.layers[-1].receptive_field[0].size)) == str(sympy.expand(
        k + s**2 * (k - 1) + s * (k - 1)))


def test_repetitions_that_differ_are_refused_naming_the_layer():
    report = analyze_text("convention: pytorch\ninput: (1, 3, H, H)\n"
                          "for i in range(L):\n    nn.Conv2d(3, 8, 3)\n")
    message = report.errors[0].message
    assert "changes axis 1 from 3 to 8" in message and "--set L=3" in message
    report = analyze_text("convention: pytorch\ninput: (1, 8, H, H)\n"
                          "for i in range(L):\n"
                          "    nn.Conv2d(8, 8, 3, stride=2 if i == 0 else 1)\n")
    message = report.errors[0].message
    assert "depends on unbound symbols" in message and "--set L=3" in message
    assert report.errors[0].span.line == 4
    report = analyze_text("convention: pytorch\ninput: (1, 8, H, H)\n"
                          "for i in range(L):\n    nn.Linear(H, H)\n")
    message = report.errors[0].message
    assert message.startswith("layer 1 `nn.Linear(H, H)` maps the size H of axis 3 to H")


def test_a_loop_that_builds_a_list_is_refused_with_the_binding_hint():
    report = analyze_text("convention: pytorch\ninput: (1, 8, H, H)\nlayers = []\n"
                          "for i in range(L):\n    layers.append(nn.Conv2d(8, 8, 3))\n")
    assert report.errors and "--set L=3" in report.errors[0].message


@functools.lru_cache(maxsize=None)
def symbolic_json(text: str) -> dict:
    report = analyze_text(text)
    assert report.ok, report.errors
    return as_json(report)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(BODIES)), L=st.integers(1, 4), k=st.integers(1, 4),
       s=st.integers(1, 3), p=st.integers(0, 2), d=st.integers(1, 3), H=st.integers(1, 40),
       W=st.integers(1, 40), C=st.integers(1, 3), N=st.integers(1, 2))
def test_closed_forms_equal_the_numeric_analysis(name, **values):
    text = spec(BODIES[name], name)
    sym = symbolic_json(text)
    numeric = analyze_text(text, bindings=values)
    if not numeric.ok:
        # the numbers break a stated condition
        conditions = [parsed(c).subs({sympy.Symbol(n): v for n, v in values.items()})
                      for c in sym["layers"][-1]["conditions"] + [
                          c for layer in sym["layers"] for c in layer["conditions"]]]
        assert any(c is sympy.false or c == False for c in conditions), (name, values)  # noqa
        return
    num = as_json(numeric)
    for key in ("output_shape", "params", "buffers", "macs"):
        got = sym[key]
        got = [substituted(v, values) for v in got] if isinstance(got, list) else \
            substituted(got, values)
        assert got == num[key], (key, name, values)
    last = sym["layers"][-1]["receptive_field"]
    expected = num["layers"][-1]["receptive_field"]
    if expected is None:
        assert last is None
    else:
        for key in ("size", "jump", "start"):
            got = [substituted(v, values) for v in last[key]]
            want = [sympy.Rational(v) if isinstance(v, (str, float)) else v for v in expected[key]]
            assert got == want, (key, name, values)
    for condition in {c for layer in sym["layers"] for c in layer["conditions"]}:
        assert substituted(condition, values) in (True, sympy.true), (condition, values)


def write(tmp_path, text: str):
    path = tmp_path / "loop.txt"
    path.write_text(text)
    return str(path)


STACK = "convention: pytorch\ninput: (1, 1, H, H)\nfor i in range(L):\n" \
        "    nn.Conv2d(1, 1, k, stride=s)\n"


def test_solve_gives_the_smallest_count_whose_receptive_field_reaches_a_size(tmp_path):
    from click.testing import CliRunner

    from shapecalc.cli import main

    path = write(tmp_path, STACK)
    runner = CliRunner()
    result = runner.invoke(main, ["solve", path, "L", "--rf", "224", "--set", "k=3",
                                  "--set", "s=1"])
    assert result.exit_code == 0, result.output
    assert result.output == ("axes 2, 3 (2*L + 1 >= 224): L = 112  "
                             "(receptive field 225; at L = 111: 223)\n")
    result = runner.invoke(main, ["solve", path, "L", "--rf", "224", "--set", "k=3",
                                  "--set", "s=2"])
    assert result.output.endswith("L = 7  (receptive field 255; at L = 6: 127)\n")
    result = runner.invoke(main, ["solve", path, "L", "--rf", "224"])
    assert result.exit_code == 2 and "bind them (--set)" in result.output


def test_expect_lines_state_the_closed_forms(tmp_path):
    from click.testing import CliRunner

    from shapecalc.cli import main

    path = write(tmp_path, STACK.replace("stride=s", "stride=2") + (
        "expect rf: 1 + (k - 1)*(2**L - 1)\n"
        "expect params: L*(k**2 + 1)\n"
        "expect output: (1, 1, (H + (2**L - 1)*(2 - k)) // 2**L, "
        "(H + (2**L - 1)*(2 - k)) // 2**L)\n"))
    result = CliRunner().invoke(main, ["check", path])
    assert result.exit_code == 0, result.output


PER_LAYER = "convention: pytorch\ninput: (1, C, H, H)\nfor i in range(L):\n" \
            "    nn.Conv2d(C, C, k[i], stride=s[i], padding=p[i], dilation=d[i])\n"


def test_per_layer_symbols_give_the_classical_receptive_field():
    out = as_json(analyze_text(PER_LAYER))
    field = out["layers"][0]["receptive_field"]
    assert field["size"][0] == "Sum((k[l] - 1)*d[l]*Product(s[j], (j, 0, l - 1)), (l, 0, L - 1)) + 1"
    assert field["jump"][0] == "Product(s[l], (l, 0, L - 1))"
    assert out["params"] == "Sum(C**2*k[i]**2 + C, (i, 0, L - 1))"
    assert any(c.endswith("for each i from 0 to L - 1") for c in out["layers"][0]["conditions"])


@functools.lru_cache(maxsize=None)
def per_layer_json() -> dict:
    return as_json(analyze_text(PER_LAYER))


INDEXED = {n: sympy.IndexedBase(n) for n in "ksdp"}


@settings(max_examples=8, deadline=None)
@given(layers=st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(0, 2),
                                 st.integers(1, 2)), min_size=1, max_size=3),
       H=st.integers(8, 40), C=st.integers(1, 2))
def test_per_layer_closed_forms_equal_the_layers_written_out(layers, H, C):
    explicit = "convention: pytorch\ninput: (1, C, H, H)\n" + "".join(
        f"nn.Conv2d(C, C, {k}, stride={s}, padding={p}, dilation={d})\n"
        for k, s, p, d in layers)
    numeric = analyze_text(explicit, bindings={"H": H, "C": C})
    if not numeric.ok:
        return
    num = as_json(numeric)
    values = {sympy.Symbol("H"): H, sympy.Symbol("C"): C, sympy.Symbol("L"): len(layers)}
    for n, (k, s, p, d) in enumerate(layers):
        values.update({INDEXED["k"][n]: k, INDEXED["s"][n]: s, INDEXED["p"][n]: p,
                       INDEXED["d"][n]: d})

    def at(text):
        value = sympy.parse_expr(text, local_dict={**NAMES, **INDEXED})
        return value.subs({sympy.Symbol("L"): len(layers)}).doit().subs(values)

    sym = per_layer_json()
    assert [at(v) if isinstance(v, str) else v for v in sym["output_shape"]] == \
        num["output_shape"]
    assert at(sym["params"]) == num["params"]
    assert at(sym["macs"]) == num["macs"]
    field, want = sym["layers"][0]["receptive_field"], num["layers"][-1]["receptive_field"]
    for key in ("size", "jump", "start"):
        assert at(field[key][0]) == sympy.Rational(want[key][0])


def test_keras_same_padding_start_depends_on_parity_and_still_matches():
    # TensorFlow's 'same' pads by the parity of the size: the start is a Sum over the sizes
    text = "convention: keras\ninput: (H, H, 16)\nfor i in range(L):\n" \
           "    layers.Conv2D(16, 3, strides=2, padding='same')\n"
    sym = as_json(analyze_text(text))
    field = sym["layers"][-1]["receptive_field"]
    assert field["size"][0] == "2*2**L - 1" and field["jump"][0] == "2**L"
    assert sym["output_shape"][1] == "floor((2**L + H - 1)/2**L)"  # ceil(H/2**L)
    for L in (1, 2, 3):
        for H in (5, 8, 13, 32):
            num = as_json(analyze_text(text, bindings={"L": L, "H": H}))
            values = {"L": L, "H": H}
            assert substituted(sym["output_shape"][1], values) == num["output_shape"][1]
            want = num["layers"][-1]["receptive_field"]
            for key in ("size", "jump", "start"):
                assert substituted(field[key][0], values) == sympy.Rational(want[key][0])


SEQUENTIAL = """convention: pytorch
input: (1, 16, H, H)

class Net(nn.Module):
    def __init__(self, depth):
        super().__init__()
        self.stem = nn.Conv2d(16, 32, 3, stride=2)
        self.body = nn.Sequential(*[nn.Sequential(nn.Conv2d(32, 32, 3, stride=s, padding=1),
                                                  nn.BatchNorm2d(32), nn.ReLU())
                                    for i in range(depth)])

    def forward(self, x):
        return self.body(self.stem(x))

model = Net(L)
"""


def test_sequential_of_a_comprehension_over_a_symbolic_range_repeats_in_closed_form():
    sym = symbolic_json(SEQUENTIAL)
    assert sym["params"] == "9312*L + 4640"
    for L in (1, 2, 3):
        for s in (1, 2):
            for H in (9, 20, 41):
                values = {"L": L, "s": s, "H": H}
                numeric = analyze_text(SEQUENTIAL, bindings=values)
                if not numeric.ok:  # BatchNorm (train mode) on one value per channel
                    continue
                num = as_json(numeric)
                for key in ("output_shape", "params", "buffers", "macs"):
                    got = sym[key]
                    got = [substituted(v, values) for v in got] if isinstance(got, list) \
                        else substituted(got, values)
                    assert got == num[key], (key, values)


def test_a_comprehension_of_numbers_over_a_symbolic_range_is_refused():
    report = analyze_text("convention: pytorch\ninput: (1, 4, H, H)\nsizes = [3 for i in range(L)]\n")
    assert "range() needs a known count, got L" in report.errors[0].message


SEED_004_P2 = Path(__file__).resolve().parent / "loops" / "seed004_p2_stacked_convs.txt"


def test_seed_004_p2_golden():
    # the spec's expect lines hold; its closed forms, pinned; with L bound, the layers
    # written out give the same numbers
    from click.testing import CliRunner

    from shapecalc.cli import main

    result = CliRunner().invoke(main, ["check", str(SEED_004_P2)])
    assert result.exit_code == 0, result.output
    text = SEED_004_P2.read_text()
    out = as_json(analyze_text(text))
    assert out["output_shape"] == [1, "C", "I + L*d*(1 - k)", "I + L*d*(1 - k)"]
    assert out["layers"][0]["receptive_field"] == {
        "size": ["L*d*(k - 1) + 1"] * 2, "jump": [1, 1], "start": ["L*(d*k/2 - d/2)"] * 2}
    assert out["params"] == "L*(C**2*k**2 + C)"
    three = as_json(analyze_text(text.replace("range(L)", "range(3)")))
    bound = as_json(analyze_text(text, bindings={"L": 3}))
    for key in ("output_shape", "params", "macs"):
        assert bound[key] == three[key]
    assert bound["layers"][-1]["receptive_field"] == three["layers"][-1]["receptive_field"]


def test_nested_symbolic_loops_match_the_numeric_analysis():
    text = "convention: pytorch\ninput: (1, 8, H, H)\nfor i in range(L):\n" \
           "    for j in range(M):\n        nn.Conv2d(8, 8, 3)\n    nn.MaxPool2d(2)\n"
    sym = symbolic_json(text)
    assert sym["output_shape"][2] == "floor((H - 2*M*(2**L - 1))/2**L)"
    for L, M, H in ((1, 1, 20), (2, 2, 40), (3, 1, 64), (2, 3, 41)):
        values = {"L": L, "M": M, "H": H}
        num = as_json(analyze_text(text, bindings=values))
        for key in ("params", "macs"):
            assert substituted(sym[key], values) == num[key], (key, values)
        assert [substituted(v, values) for v in sym["output_shape"]] == num["output_shape"]
        field, want = sym["layers"][-1]["receptive_field"], num["layers"][-1]["receptive_field"]
        for key in ("size", "jump", "start"):
            assert substituted(field[key][0], values) == sympy.Rational(want[key][0])
