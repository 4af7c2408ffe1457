"""No input, however wrong, yields a traceback; reading never runs code; numbers stay cheap."""

from __future__ import annotations

import json
import os
import re
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapecalc import analyze_text
from shapecalc.cli import main
from shapecalc.errors import SpecError
from shapecalc.layers.base import REGISTRY
from shapecalc.symbolic import symbol


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


# -- every run bounded, through the command line -----------------------------------------
#
# Each input runs in a child process forked from this one (sympy and shapecalc already
# imported, so a run costs milliseconds, not a Python start-up), under a memory limit, and
# is killed when it passes its time limit: a hang or a runaway allocation is a failure with
# the input named, not a stuck test run.

symbol("H")  # sympy imported once here, not in every forked child
SECONDS = 5.0  # the most one input may take, all its commands together
MEBIBYTES = 400  # the most memory one input may add to the process


def _virtual_memory() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _shortened(text: str) -> str:
    return text if len(text) <= 20_000 else text[:10_000] + " ... " + text[-10_000:]


def _invoke_all(commands: list[tuple[list[str], str | None]]) -> list[dict]:
    results = []
    for args, stdin in commands:
        result = CliRunner().invoke(main, args, input=stdin)
        error = result.exception
        results.append({
            "args": args, "exit_code": result.exit_code, "output": _shortened(result.output),
            "internal": None if error is None or isinstance(error, SystemExit)
            else f"{type(error).__name__}: {error}"[:500],
        })
    return results


def run_bounded(commands: list[tuple[list[str], str | None]], seconds: float = SECONDS,
                mebibytes: int = MEBIBYTES) -> list[dict]:
    """Run each (arguments, standard input) through the CLI in one forked child, under
    ``mebibytes`` more address space than this process has and ``seconds`` in all. Fails
    the test when the child runs out of either."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 3
        try:
            os.close(reader)
            limit = _virtual_memory() + mebibytes * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(
                resource.RLIMIT_AS)[1]))
            data = json.dumps(_invoke_all(commands)).encode()
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(data)
            status = 0
        except MemoryError:
            status = 4
        finally:
            os._exit(status)
    os.close(writer)
    chunks, deadline = [], time.monotonic() + seconds
    with os.fdopen(reader, "rb") as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pipe], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"took more than {seconds:g} s: {commands!r:.3000}")
            chunk = os.read(pipe.fileno(), 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 4:
        pytest.fail(f"needed more than {mebibytes} MiB: {commands!r:.3000}")
    assert os.waitstatus_to_exitcode(status) == 0, f"the child failed: {commands!r:.3000}"
    return json.loads(b"".join(chunks))


def assert_no_internal_error(results: list[dict]) -> None:
    for result in results:
        assert result["internal"] is None and "internal error" not in result["output"], (
            f"shapecalc {result['args']}: {result['internal']}\n{result['output']}")
        assert result["exit_code"] in (0, 1, 2), result


PT = "convention: pytorch\ninput: (1, 4)\n"
SYMBOLIC_CONVS = "convention: pytorch\ninput: (1, 3, H, W)\n" + "".join(
    f"nn.Conv2d(3, 3, k{i}, padding=p{i}, stride=s{i})\n" for i in range(25))
NUMBER = "9" * 1201
OWN_PARAMETER = ("convention: pytorch\ninput: (5,)\nclass P(nn.Module):\n"
                 "    def __init__(self):\n        super().__init__()\n"
                 "        self.a = nn.Parameter(torch.randn(()))\n"
                 "    def forward(self, x):\n        return self.a * x\nmodel = P()\n")

# (spec, extra arguments, the exit status, a text the output holds)
REPRODUCERS = {
    # tiny specs that never finished or ate memory
    "three nested loops": (
        PT + "for i in range(1000):\n    for j in range(1000):\n        for k in range(1000):\n"
        "            let a = 1\n", [], 1, "more than 300,000 steps"),
    "assignments in nested loops": (
        PT + "for i in range(1000):\n    for j in range(1000):\n        for k in range(1000):\n"
        "            a = 1\n", [], 1, ":5:"),
    "blocks calling the next twice": (
        PT + "def b0(n):\n    return n\n" + "".join(
            f"def b{i}(n):\n    b{i - 1}(n)\n    return b{i - 1}(n)\n" for i in range(1, 31))
        + "b30(1)\nnn.ReLU()\n", [], 1, "more than 300,000 steps"),
    "a fraction to a power": (PT + "let a = (1/3)**1024\nlet b = a**1024\nnn.ReLU()\n", [], 1,
                              ":3:9"),
    "a float to a power, in code": (PT + "a = (1/3)**1024\nb = a**1024\nnn.ReLU()\n", [], 0,
                                    "(1, 4)"),
    "a power of a sum under a strided conv": (
        "convention: pytorch\ninput: (1, 3, (H+1)**1024, 8)\nnn.Conv2d(3, 8, 3, stride=2)\n",
        ["--explain"], 0, "floor("),
    "solve on 25 symbolic convs": (SYMBOLIC_CONVS, ["solve", "p0"], 2, "too large"),
    "solve --keep-size on 25 symbolic convs": (SYMBOLIC_CONVS, ["solve", "p0", "--keep-size"],
                                              2, "too large"),
    "analyze 25 symbolic convs": (SYMBOLIC_CONVS, [], 0, "conv2d (Conv2d)"),
    # internal errors
    "5.0/0.0": (PT + "a = 5.0/0.0\n", [], 1, "division by zero"),
    "5.0//0.0": (PT + "let a = 5.0//0.0\n", [], 1, "division by zero"),
    "5 % 0.0": (PT + "nn.Linear(4, 5 % 0.0)\n", [], 1, "division by zero"),
    "H % 0": (PT + "let a = H % 0\n", [], 1, ":3:9"),
    "1e300**2": (PT + "a = 1e300**2\n", [], 1, ":3:5"),
    "10**400*1.0": (PT + "let a = 10**400*1.0\n", [], 1, "too large to convert"),
    "H // 1.5": (PT + "a = H // 1.5\n", [], 1, "a symbol and a float"),
    "H == None": (PT + "nn.Linear(4, H == None)\n", [], 1, "must be an integer"),
    "H == 'x'": (PT + "let a = H == 'x'\n", [], 1, "expected an integer"),
    "H == nn.ReLU()": (PT + "a = H == nn.ReLU()\nnn.ReLU()\n", [], 0, "re_lu"),
    "batch_input_shape=()": ("convention: keras\nlayers.Dense(2, batch_input_shape=())\n", [],
                             1, "must not be empty"),
    "a 1,201-digit size under Flatten": (
        f"convention: pytorch\ninput: (1, {NUMBER}, 2)\nnn.Flatten()\n", ["--explain"], 0,
        "Flatten"),
    "a 1,201-digit size under Linear": (
        f"convention: pytorch\ninput: (1, {NUMBER})\nnn.Linear({NUMBER}, 2)\n", [], 0, ".00 PB)"),
    "sizes past 4,096 bits": (
        f"convention: pytorch\ninput: (1, {NUMBER}, {NUMBER}, {NUMBER}, {NUMBER})\n"
        "nn.Flatten()\n", ["--format", "json"], 1, "more than 4096 bits"),
    "975 nested blocks": (PT + "".join(" " * i + "if True:\n" for i in range(975))
                          + " " * 975 + "nn.ReLU()\n", [], 1, "too many levels of indentation"),
    "20,000 elifs": (PT + "if False:\n    pass\n" + "elif False:\n    pass\n" * 20000
                     + "else:\n    nn.ReLU()\n", [], 1, "nested too deeply"),
    "973 elifs": (PT + "if False:\n    pass\n" + "elif False:\n    pass\n" * 973
                  + "else:\n    nn.ReLU()\n", [], 0, "re_lu"),
    "a 20,000-term sum": (PT + "a = " + " + ".join(["1"] * 20000) + "\n", [], 1,
                          "nested too deeply for Python's parser"),
    "a list holding itself": (PT + "a = []\na.append(a)\nb = a == a\n", [], 1, ":5:1"),
    "str() of a huge list": (PT + "a = ['x' * 100000] * 100000\nb = str(a)\n", [], 1,
                             "longer than 100,000 characters"),
    "ptflops of a symbolic upsample": (
        "convention: pytorch\ninput: (1, 3, H, 8)\nnn.Upsample(scale_factor=(H, 2.5))\n",
        ["--count", "ptflops"], 0, "108*H**2"),
    # found by the fuzzer below
    "explained transformer layers": (
        "convention: pytorch\ninput x: (5, 2, 8)\ny = nn.TransformerEncoderLayer(8, 2, 16)(x)\n"
        "z = nn.TransformerDecoderLayer(8, 2, 16, bias=False)(y, x)\n",
        ["--explain", "--format", "json"], 0,
        "8 \\u00d7 E^2 + 2 \\u00d7 E \\u00d7 F + 3 \\u00d7 E = 8 \\u00d7 8^2 + 2 \\u00d7 8 "
        "\\u00d7 16 + 3 \\u00d7 8 = 792"),
    "--count torch where Keras leaves a size unknown": (
        "convention: keras\ninput: (None,)\nlayers.Embedding(100, 8)\nlayers.Conv1D(8, 3)\n",
        ["--count", "torch"], 0, "torch FLOPs:          None"),
    "--count torchinfo of a model's own parameter": (
        OWN_PARAMETER, ["--count", "torchinfo"], 0, "torchinfo Mult-Adds:  0"),
    "--count ptflops of a model's own parameter": (
        OWN_PARAMETER, ["--count", "ptflops"], 0, "ptflops MACs"),
    # valid specs that were refused
    "a byte-order mark": ("\ufeff" + PT + "nn.ReLU()\n", [], 0, "re_lu"),
    "U+2028 and a form feed in comments": (
        PT + "# a\u2028b\n# c\x0cd\nnn.Linear(5, 2)\n", [], 1, "spec.txt:5:11"),
    "layers under a top-level if": (PT + "if True:\n    nn.ReLU()\n    nn.Linear(4, 2)\n", [],
                                    0, "(1, 2)"),
    "a flat sum of 49 terms": (PT + "let a = " + " + ".join(["1"] * 49) + "\nnn.Linear(4, a)\n",
                               [], 0, "(1, 49)"),
    "a flat sum of 2,000 terms": ("convention: pytorch\ninput: (1, "
                                  + " + ".join(["1"] * 2000) + ")\n"
                                  "expect output: (1, 2000)\nnn.ReLU()\n", [], 0, "(1, 2000)"),
    "a with block": (PT + "with torch.no_grad():\n    nn.Linear(4, 3)\n", [], 0, "(1, 3)"),
    "a try block": (PT + "try:\n    nn.Linear(4, 3)\nexcept ImportError:\n    pass\n", [], 0,
                    "(1, 3)"),
}

# Those that run up to a bound of a million interpreter steps, or through sympy: 2 to 6 s on
# an idle machine, more on a loaded one.
SLOW = {"three nested loops", "assignments in nested loops", "blocks calling the next twice",
        "solve on 25 symbolic convs", "solve --keep-size on 25 symbolic convs",
        "analyze 25 symbolic convs"}


@pytest.mark.parametrize("name", REPRODUCERS)
def test_reproducer_is_bounded_and_answered(tmp_path, name):
    text, extra, exit_code, expected = REPRODUCERS[name]
    path = tmp_path / "spec.txt"
    path.write_text(text, encoding="utf-8")
    command = extra[0] if extra and extra[0] in ("solve", "check") else "analyze"
    args = [command, str(path), *(extra[1:] if command != "analyze" else extra)]
    (result,) = run_bounded([(args, None)], seconds=20 if name in SLOW else SECONDS)
    assert_no_internal_error([result])
    assert result["exit_code"] == exit_code, result["output"]
    assert expected in result["output"], result["output"]


def test_check_compares_a_large_power_without_expanding_it(tmp_path):
    path = tmp_path / "spec.txt"
    path.write_text("convention: pytorch\ninput: (1, 3, H, W)\nnn.Conv2d(3, 8, 3)\n"
                    "expect macs: (H+W)**1024\nexpect layer 1 output: (1, 8, H - 2, W - 2)\n")
    (result,) = run_bounded([(["check", str(path)], None)])
    assert result["exit_code"] == 1
    assert "spec.txt:4: macs: expected (H+W)**1024" in result["output"]
    assert "2 expectations in 1 files, 1 failed" in result["output"]


@pytest.mark.parametrize("target, message", [
    ("1/0", "division by zero"), ("lambda:1", "`Lambda` is not part of the spec language"),
    ("''", "expected an integer expression"), ("floor(H)", "expected an integer expression"),
    ("(1, 2)", "expected an integer expression"), ("H+", "syntax error"),
])
def test_solve_output_that_is_not_a_size_is_a_usage_error(tmp_path, target, message):
    path = tmp_path / "spec.txt"
    path.write_text("convention: pytorch\ninput: (1, 3, H, 8)\nnn.Conv2d(3, 8, 3)\n")
    (result,) = run_bounded([(["solve", str(path), "H", "--output", target], None)])
    assert_no_internal_error([result])
    assert result["exit_code"] == 2 and message in result["output"], result["output"]
    assert "_target" not in result["output"]  # no line the user never wrote


@pytest.mark.parametrize("binding, message", [
    ("H=W%0", "division by zero"), ("H=1\nlet W=1/0", "on one line"),
    ("H=1e300**2", "arithmetic error"),
])
def test_bad_set_is_a_usage_error(tmp_path, binding, message):
    path = tmp_path / "spec.txt"
    path.write_text("convention: pytorch\ninput: (1, 3, H, 8)\nnn.Conv2d(3, 8, 3)\n")
    (result,) = run_bounded([(["analyze", str(path), "--set", binding], None)])
    assert result["exit_code"] == 2 and message in result["output"], result["output"]


def test_only_regular_files_of_bounded_size_are_read(tmp_path):
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    os.mkfifo(folder / "net.txt")  # a FIFO named *.txt: check skips it, never blocks
    (folder / "ok.txt").write_text("convention: pytorch\ninput: (1, 4)\nnn.ReLU()\n"
                                   "expect output: (1, 4)\n")
    big = tmp_path / "big.txt"
    big.write_text("#" * 9_000_000)
    results = run_bounded([(["analyze", "/dev/zero"], None), (["analyze", str(fifo)], None),
                           (["check", str(folder)], None), (["analyze", str(big)], None),
                           (["analyze", "-"], "#" * 9_000_000)])
    assert_no_internal_error(results)
    dev_zero, fifo_result, checked, big_file, big_stdin = results
    assert dev_zero["exit_code"] == 1 and "not a regular file" in dev_zero["output"]
    assert fifo_result["exit_code"] == 1 and "not a regular file" in fifo_result["output"]
    assert checked["exit_code"] == 0 and "1 expectations in 1 files" in checked["output"]
    for result in (big_file, big_stdin):
        assert result["exit_code"] == 1 and "larger than 8,000,000 bytes" in result["output"]


def test_a_million_layers_finish_or_stop_within_30_s_and_1_5_gib(tmp_path):
    """A real process, as a user runs it: the spec asks for a million layers; the run is
    refused (the interpreter's time and step bounds) with the place it stopped."""
    import subprocess

    path = tmp_path / "spec.txt"
    path.write_text(PT + "for i in range(999999):\n    nn.ReLU()\n")
    limit = 3 * 2**29  # 1.5 GiB of address space

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    start = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "shapecalc", "analyze", str(path), "--format",
                          "json"], capture_output=True, text=True, timeout=30,
                         preexec_fn=limited)
    assert time.monotonic() - start < 30
    assert run.returncode in (0, 1), run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    if run.returncode == 1:
        assert "spec.txt:4:5" in run.stderr


# -- nothing smuggled through export -------------------------------------------------------

INJECTIONS = [
    "exec(\"import os; os.system('echo PWNED')\")",
    "os.system('echo PWNED')",
    "__import__('os').system('echo PWNED')",
    "(lambda: __import__('os').system('echo PWNED'))()",
    "lambda x: __import__('os').system('echo PWNED')",
    "f\"{__import__('os').system('echo PWNED')}\"",
    "().__class__.__bases__[0].__subclasses__()",
    "eval('1')",
    "PWNED_NAME",
    "my_helpers.PWNED.attr",
    "getattr(os, 'system')('echo PWNED')",
    "open('/etc/passwd').read()",
]
FORBIDDEN = {"PWNED", "PWNED_NAME", "my_helpers", "os", "exec", "eval", "__import__",
             "system", "lambda", "__class__", "__bases__", "__subclasses__", "getattr",
             "open", "read"}


@pytest.mark.parametrize("injection", INJECTIONS)
def test_export_carries_no_expression_it_did_not_evaluate(tmp_path, injection):
    specs = {
        "torch_arg": "convention: pytorch\ninput: (1, 8)\n"
                     f"nn.Linear(8, 4, device={injection})\n",
        "torch_activation": "convention: pytorch\ninput: (1, 8)\n"
                            f"nn.Linear(8, 4)\nnn.Identity(tag={injection})\n",
        "torch_forward": "convention: pytorch\ninput: (1, 8)\nclass Net(nn.Module):\n"
                         "    def __init__(self):\n        super().__init__()\n"
                         "        self.fc = nn.Linear(8, 4)\n"
                         f"    def forward(self, x):\n        y = {injection}\n"
                         "        return self.fc(x)\nmodel = Net()\n",
        "keras_arg": "convention: keras\ninput: (8,)\n"
                     f"layers.Dense(4, kernel_regularizer={injection})\n",
        "keras_activation": "convention: keras\ninput: (8,)\n"
                            f"layers.Dense(4, activation={injection})\n",
        "keras_name": f"convention: keras\ninput: (8,)\nlayers.Dense(4, name={injection})\n",
    }
    commands = []
    for key, text in specs.items():
        path = tmp_path / f"{key}.txt"
        path.write_text(text)
        commands += [(["export", str(path), "--to", to], None) for to in ("pytorch", "keras")]
    results = run_bounded(commands, seconds=20)
    assert_no_internal_error(results)
    for result in results:
        if result["exit_code"] == 0:  # the injection only in string literals, if anywhere
            names = _names_in_code(result["output"])
            assert not names & FORBIDDEN, (result["args"], result["output"])


def _names_in_code(source: str) -> set[str]:
    """The names and keywords of a Python file, outside its string literals and comments
    (it is tokenized, which also checks that it is Python; it is never run)."""
    import io
    import tokenize

    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {t.string for t in tokens if t.type == tokenize.NAME}


# -- fuzzing the whole command line ---------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(str(p.relative_to(ROOT)) for p in [*ROOT.glob("specs/**/*.txt"),
                                                   *ROOT.glob("tests/corpus/*.py")]
               if p.stat().st_size < 4000)
REPLACEMENTS = ["0", "-1", "1", "2", "3", "7", "10**9", "H", "2*H+1", "(H+1)**64", "1.5",
                "None", "(3, 3)", "'same'", "[]", "x", "nn.ReLU()", "1/0", "9" * 1300]
SNIPPETS = [
    "for i in range(100000):\n    nn.ReLU()", "while True:\n    pass", "let H = 0",
    "let H = -3", "input: (1, 3, H, W)", "input: (2, 8)", "expect output: (1, 8)",
    "expect params: 1,000", "expect macs: (H+W)**64", "expect layer 1 error: \"x\"",
    "expect rf: 3", "nn.Conv2d(3, 8, 3, stride=s, padding=p)", "nn.Linear(H, 10)",
    "nn.Flatten()", "layers.Dense(4, name='[/bold]')", "nn.Upsample(scale_factor=(H, 2.5))",
    "x = x.view(-1)", "a = []\na.append(a)\nb = str(a)", "def f(n):\n    return f(n)\nf(1)",
    "convention: keras", "convention: pytorch", "if True:\n    nn.ReLU()",
    "with torch.no_grad():\n    nn.ReLU()", "nn.Sequential(*[nn.ReLU()] * 1000)",
    "a = " + " + ".join(["1"] * 60), "\ufeff", "# \u2028 \x0c comment", "x = (" * 60 + ")" * 60,
    "model = None", "class A(nn.Module):\n    pass", "import os\nos.system('echo PWNED')",
]
CHARACTERS = "()[]{}:,=.'\"\\#\n\t -+*/%@\r\ufeff\u2028\x0c\x00é"
COMMANDS = [
    ["analyze"], ["analyze", "--format", "json", "--explain"],
    ["analyze", "--format", "markdown", "--explain"], ["analyze", "--format", "latex"],
    ["analyze", "--format", "csv"], ["analyze", "--count", "torch"],
    ["analyze", "--count", "ptflops"], ["analyze", "--count", "fvcore"],
    ["analyze", "--count", "torchinfo", "--memory"], ["analyze", "--depth", "1"],
    ["analyze", "--mode", "eval", "--format", "csv", "--columns", "input,output,kernel,params,flops,rf,connected"],
    ["analyze", "--input", "(1, 3, H, W)"], ["rf", "--symbolic"], ["rf", "--format", "json"],
    ["rf", "--format", "latex"], ["check"], ["check", "--format", "github"],
    ["export", "--to", "pytorch"], ["export", "--to", "keras"],
    ["solve", "H", "--keep-size"], ["solve", "H", "--format", "json"],
    ["solve", "p", "--output", "H // 2", "--format", "markdown"],
]


def _mutate(text: str, mutation: tuple) -> str:
    kind, where, choice = mutation
    lines = text.split("\n")
    at = where % (len(lines) + 1)
    if kind == "delete" and lines:
        del lines[at % len(lines)]
    elif kind == "duplicate" and lines:
        lines.insert(at, lines[at % len(lines)])
    elif kind == "swap" and lines:
        other = choice % len(lines)
        at %= len(lines)
        lines[at], lines[other] = lines[other], lines[at]
    elif kind == "indent" and lines:
        lines[at % len(lines)] = "    " * (choice % 3 + 1) + lines[at % len(lines)]
    elif kind == "insert":
        indent = " " * (choice % 3 * 4)
        snippet = SNIPPETS[choice % len(SNIPPETS)]
        lines[at:at] = [indent + line for line in snippet.split("\n")]
    elif kind == "number":
        numbers = list(re.finditer(r"\b\d+\b", text))
        if numbers:
            found = numbers[where % len(numbers)]
            return text[:found.start()] + REPLACEMENTS[choice % len(REPLACEMENTS)] + \
                text[found.end():]
    elif kind == "character":
        position = where % (len(text) + 1)
        return text[:position] + CHARACTERS[choice % len(CHARACTERS)] + text[position:]
    elif kind == "truncate":
        return text[:where % (len(text) + 1)]
    return "\n".join(lines)


MUTATIONS = st.tuples(st.sampled_from(["delete", "duplicate", "swap", "indent", "insert",
                                       "number", "character", "truncate"]),
                      st.integers(0, 10**6), st.integers(0, 10**6))


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(SEEDS), st.lists(MUTATIONS, min_size=1, max_size=4),
       st.lists(st.sampled_from(COMMANDS), min_size=1, max_size=3, unique_by=tuple))
def test_fuzz_the_command_line_on_mutated_real_specs(seed, mutations, commands):
    """Random mutations of the repository's specs and corpus files (lines deleted, repeated,
    swapped, indented; numbers replaced by symbols, huge or invalid values; snippets that
    loop, nest, overflow or inject inserted; characters inserted; the text cut) run through
    the commands: every one ends in an answer, a located error or a usage error, within the
    bounds, never in an internal error.

    The normal run tries a few inputs (a few seconds). For a long search, multiply the number
    of examples: `pytest tests/test_robustness.py -k fuzz --examples-scale 200` (or
    SHAPECALC_EXAMPLES_SCALE=200). Hypothesis keeps each failing input in `.hypothesis/` and
    tries it first on the next run; add it to REPRODUCERS above once fixed."""
    from shapecalc.interpret.interpreter import MAX_SECONDS

    text = (ROOT / seed).read_text(encoding="utf-8")
    for mutation in mutations:
        text = _mutate(text, mutation)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "spec.txt")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        runs = [([command[0], path, *command[1:]], None) for command in commands]
        assert_no_internal_error(run_bounded(runs, seconds=len(runs) * 3 * MAX_SECONDS))
