"""No input, however wrong, yields a traceback; reading never runs code; numbers stay cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapecalc import analyze_text
from shapecalc.errors import SpecError
from shapecalc.layers.base import REGISTRY


def analyse_or_refuse(text: str) -> None:
    try:
        report = analyze_text(text)
    except SpecError as error:
        assert str(error)  # renders, with its location
        return
    for error in report.errors:
        assert isinstance(error, SpecError) and str(error)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text_is_refused_politely(text):
    analyse_or_refuse(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="()[],=:.#'\"\\+-*/ 0123456789abcHWxy_\n\tnConv2dinput", max_size=120))
def test_spec_like_noise_is_refused_politely(text):
    analyse_or_refuse("convention: pytorch\ninput: (1, 3, 8, 8)\n" + text)


ARG = st.one_of(
    st.integers(-3, 12).map(str),
    st.sampled_from(["None", "True", "False", "'same'", "'valid'", "'causal'", "'zeros'",
                     "'relu'", "0.5", "-1", "H", "2*H+1", "(3, 3)", "(1, 2, 3)", "()", "[2, 2]",
                     "((1, 1), (2, 2))", "'channels_first'", "nn.ReLU()", "LSTM(4)"]),
)
LAYERS = sorted({(fw, rule.name) for (fw, _), rule in REGISTRY.items()})


@st.composite
def random_layer_specs(draw):
    framework, name = draw(st.sampled_from(LAYERS))
    args = draw(st.lists(ARG, max_size=4))
    rule = REGISTRY[(framework, name)]
    keys = [n for n, _ in rule.signature.positional + rule.signature.keyword_only]
    kwargs = draw(st.lists(st.tuples(st.sampled_from(keys + ["bogus"]), ARG), max_size=3,
                           unique_by=lambda kv: kv[0]))
    text = ", ".join(args + [f"{k}={v}" for k, v in kwargs])
    shape = draw(st.lists(st.integers(1, 9).map(str) | st.just("H"), min_size=1, max_size=5))
    return (f"convention: {framework}\ninput: ({', '.join(shape)},)\n{name}({text})\n")


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_layer_specs())
def test_random_constructor_calls_never_crash(text):
    analyse_or_refuse(text)


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\n"
                          "print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("text, exit_code", [
    ("convention: pytorch\ninput: (1, 3, 32, 32)\nnn.Conv2d(3, 8, 3)\n", 0),
    # refused, with the parameters PyTorch would still construct counted after it
    ("convention: pytorch\ninput: (1, 3, 8, 8)\nnn.Conv2d(3, 8, 9)\nnn.Conv2d(8, 8, 1)\n", 1),
])
def test_numeric_analysis_does_not_import_sympy_or_a_framework(tmp_path, text, exit_code):
    spec = tmp_path / "net.txt"
    spec.write_text(text)
    modules = _modules_after(
        "from click.testing import CliRunner\nfrom shapecalc.cli import main\n"
        f"r = CliRunner().invoke(main, ['analyze', {str(spec)!r}, '--format', 'json'])\n"
        f"assert r.exit_code == {exit_code}, r.output")
    assert "sympy" not in modules
    assert not {"torch", "tensorflow", "keras"} & modules


def test_symbolic_analysis_imports_sympy_and_works():
    report = analyze_text("convention: pytorch\ninput: (N, 3, H, W)\nnn.Conv2d(3, 8, 3)\n")
    assert str(report.layers[0].output_shape) == "(N, 8, H - 2, W - 2)"
    assert "sympy" in sys.modules


PIECES = [
    "x = nn.Conv2d(3, 8, 3)", "y = nn.Conv2d(8, 8, 3, padding=1)(x)", "z = x + y", "x += y",
    "torch.cat([x, y], dim=1)", "F.relu(x)", "f = x.view(x.size(0), -1)", "def b(x, c=8):",
    "    nn.Conv2d(c, c, 1)", "    return x + x", "    if c > 4:", "        x = F.relu(x)",
    "    else:", "for i in range(2):", "for c, s in [(8, 1), (8, 2)]:", "    b(c)", "b(8)",
    "ds = nn.Sequential(nn.ReLU(), nn.Conv2d(8, 8, 1))", "ds(x)", "return x", "else:",
    "out, _ = nn.MultiheadAttention(8, 2)(f, f, f)[0]", "expect layer x output: (1, 8)",
    "layers.Add()([x, y])", "nn.ReLU()(nn.Conv2d(8, 8, 3)(x))", "x = (x if 1 else y)",
    "input other: (1, 8, 6, 6)", "let c = 8", "if True:", "    nn.ReLU()",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=10))
def test_random_graph_programs_never_crash(lines):
    analyse_or_refuse("convention: pytorch\ninput: (1, 3, 10, 10)\n" + "\n".join(lines) + "\n")


# Random Python programs of the kind model code is made of: classes with __init__ and
# forward, helper functions, loops, comprehensions, containers, tensor methods. Whatever
# they compute, the answer is a report or a refusal with a place, never a traceback or a
# hang.
EXPRESSIONS = st.sampled_from([
    "1", "c", "c * 2", "c // 2 + 1", "-1", "(2, 2)", "[c, c]", "None", "True", "'same'",
    "len(self.layers)", "x.shape[1]", "x.size(-1)", "x.dim()", "max(c, 3)", "int(c / 2)",
    "[i for i in range(c)]", "{'a': c}", "self.c", "k", "x", "x + x", "x * 0.5",
    "x.view(x.size(0), -1)", "x.permute(0, 2, 1)", "x.flatten(1)", "x[:, 0]", "x[..., -1:]",
    "x.mean(dim=1)", "torch.cat([x, x], dim=1)", "x.chunk(2, dim=1)[0]", "x @ x",
    "F.relu(x)", "x.unsqueeze(0)", "x.transpose(1, 2)", "self.layers[0](x)",
    "nn.Linear(c, c)", "nn.Conv2d(c, c, 3)", "nn.ReLU()", "nn.Sequential(nn.ReLU())",
    "self.block(x)", "helper(c)", "x.reshape(-1, c)", "torch.zeros(2, c)",
])
STATEMENTS = st.one_of(
    st.builds(lambda e: f"x = {e}", EXPRESSIONS),
    st.builds(lambda e: f"c = {e}", EXPRESSIONS),
    st.builds(lambda e: f"self.layers.append({e})", EXPRESSIONS),
    st.builds(lambda e: f"for i in range(2):\n    x = {e}", EXPRESSIONS),
    st.builds(lambda e: f"if c > 2:\n    x = {e}\nelse:\n    c = 1", EXPRESSIONS),
    st.builds(lambda e: f"a, b = {e}, {e}", EXPRESSIONS),
    st.just("return x"), st.just("pass"), st.just("x = self.block(x)"),
)


@st.composite
def random_python_models(draw):
    init = draw(st.lists(STATEMENTS, max_size=4))
    forward = draw(st.lists(STATEMENTS, max_size=5))

    def body(lines):
        text = "\n".join(lines) or "pass"
        return "\n".join("        " + line for line in text.splitlines())

    shape = draw(st.sampled_from(["(2, 4)", "(2, 4, 4)", "(2, 4, 4, 4)"]))
    return (f"convention: pytorch\ninput: {shape}\n"
            "def helper(n):\n    return nn.Linear(n, n)\n\n"
            "class Net(nn.Module):\n"
            "    def __init__(self, c=4, k=3):\n"
            "        super().__init__()\n        self.c = c\n"
            "        self.layers = nn.ModuleList()\n        self.block = nn.Identity()\n"
            f"{body(init).replace('return x', 'pass')}\n\n"
            "    def forward(self, x):\n        c = self.c\n        k = 3\n"
            f"{body(forward)}\n        return x\n\n"
            "model = Net()\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_python_models())
def test_random_python_models_never_crash(text):
    analyse_or_refuse(text)
