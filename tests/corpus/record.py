"""Record what the real frameworks say about every corpus file into tests/golden/corpus.json.

    KERAS_BACKEND=torch python tests/corpus/record.py                # all files
    KERAS_BACKEND=torch python tests/corpus/record.py vae_mnist.py   # only these (merged in)
    KERAS_BACKEND=torch python tests/corpus/record.py --check        # compare, write nothing

A test tool, run by hand: it *executes* our own corpus files (shapecalc itself never runs
code). For each ``tests/corpus/*.py``:

1. The directive lines, which are not Python, are replaced by empty lines (so line numbers
   stay put): lines starting with ``convention:``, ``input:``, ``input NAME:``,
   ``let NAME =`` and ``expect``. ``let`` bindings are *not* turned into assignments: the
   corpus files define their sizes in Python. The rest is executed with
   ``__name__ == "corpus"`` (a ``if __name__ == "__main__":`` block does not run), after
   seeding torch, numpy and Keras, its printing (``print(model)``, ``model.summary()``)
   silenced, ``sys.argv`` only the file's name. TensorFlow is not installed: in the
   executed file only, ``import tensorflow as tf`` / ``from tensorflow.keras.layers import
   Dense`` give Keras 3 (same numbers). Whole pasted files also import what this
   environment lacks: ``from d2l import torch as d2l`` and ``torchvision``'s data parts come
   from tests/corpus_support/ (see its README), and a relative import (``from ..ops.misc
   import Conv2dNormActivation``) gives the names the file defines itself, in a block marked
   as stand-ins above its pasted part.
2. The variable ``model`` is the network.
3. Its inputs: PyTorch, one tensor per ``input:`` line, ``torch.randn(shape)``; with several
   ``input NAME:`` lines, passed to ``forward`` by keyword. An input line may end with the
   comment ``# dtype: int64``: that input is ``torch.randint(0, 10, shape)`` (token ids for
   an ``nn.Embedding``). Keras, the model's own ``inputs`` (a functional model, or a
   ``Sequential`` that starts with ``keras.Input``), their dtype included, else the
   ``input:`` lines (shape without the batch, the same ``# dtype:`` comment); a batch of 2,
   and 16 for any size given as ``None``; integer inputs ``randint(0, 10)``.
4. It runs the model once and records, sorted by key:

   ``convention``
   ``outputs``: the shape of every tensor ``forward`` / the Model returns, in order, nested
       tuples and lists flattened (a GRU language model's ``(decoded, hidden)`` gives two).
       Keras: the symbolic ``model.outputs`` shapes when the model has them (batch ``null``,
       as are sizes given as ``None``), else the eager output's with the batch as ``null``.
   ``params``: PyTorch ``sum(p.numel() for p in model.parameters())`` counted *after* the
       forward (lazy modules), so a weight shared by two modules (tied weights) counts
       once, as torch counts it. Keras ``model.count_params()``.
   ``trainable_params`` / ``non_trainable_params``: PyTorch by ``requires_grad``; Keras the
       sizes of ``trainable_weights`` / ``non_trainable_weights`` (BatchNormalization's
       moving mean and variance are non-trainable).
   ``buffers``: PyTorch ``sum(b.numel() for b in model.buffers())``: every registered
       buffer, persistent or not, *including* BatchNorm's one-element
       ``num_batches_tracked``. Keras 0.
   ``flops``: PyTorch, ``torch.utils.flop_counter.FlopCounterMode``'s total for one CPU
       forward in eval mode under ``torch.no_grad()``, as is. Keras ``null``.
       The recorder counts again on the math paths, switching them on one after the other:
       grad enabled (no fused eval-mode fast path of ``nn.MultiheadAttention`` /
       ``TransformerEncoderLayer``), then oneDNN off (``nn.LSTM`` decomposes into matmuls),
       then ``SDPBackend.MATH`` (scaled-dot-product attention as matmuls). When the last
       total differs from the eval-mode one, the CPU count is not the layers' arithmetic:
       ``flops`` is ``null``, ``flops_math`` the math-path total, and ``flops_note`` says
       which switch changed the count and from what to what.

The file also records the torch, Keras and Python versions. Output is deterministic
(sorted keys; the numbers do not depend on the random values).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import sys
import traceback
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

HERE = Path(__file__).resolve().parent
GOLDEN = HERE.parent / "golden" / "corpus.json"

DIRECTIVE = re.compile(r"^(convention\s*:|input(\s+[A-Za-z_]\w*)?\s*:|let\s+[A-Za-z_]\w*\s*=|expect\s)")
INPUT = re.compile(r"^input(?:\s+(?P<name>[A-Za-z_]\w*))?\s*:\s*(?P<shape>\([^#]*\))\s*(?:#(?P<comment>.*))?$")
CONVENTION = re.compile(r"^convention\s*:\s*(?P<value>\w+)")
DTYPE = re.compile(r"dtype\s*:\s*(?P<dtype>\w+)")


def parse(text: str) -> tuple[str, list[tuple[str | None, tuple, str]], str]:
    """The convention, the declared inputs (name, shape, dtype) and the Python code."""
    convention = None
    inputs = []
    code = []
    for line in text.splitlines():
        if DIRECTIVE.match(line):
            if m := CONVENTION.match(line):
                convention = m["value"]
            elif m := INPUT.match(line.rstrip()):
                shape = ast.literal_eval(m["shape"])
                shape = tuple(shape) if isinstance(shape, tuple) else (shape,)
                dtype = "float32"
                if m["comment"] and (d := DTYPE.search(m["comment"])):
                    dtype = d["dtype"]
                inputs.append((m["name"], shape, dtype))
            elif line.startswith("input"):
                raise ValueError(f"unreadable input line: {line!r}")
            code.append("")
        else:
            code.append(line)
    if convention not in ("pytorch", "keras"):
        raise ValueError("no `convention: pytorch|keras` line")
    return convention, inputs, "\n".join(code) + "\n"


def flatten(value) -> list:
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in flatten(item)]
    if isinstance(value, dict):
        return [leaf for key in value for leaf in flatten(value[key])]
    return [value]


def seed() -> None:
    import random

    import numpy as np
    random.seed(0)
    np.random.seed(0)
    try:
        import torch
        torch.manual_seed(0)
    except ImportError:
        pass


def tensorflow_import():
    """An ``__import__`` for the executed file only: without TensorFlow, ``import tensorflow
    as tf``, ``from tensorflow import keras`` and ``from tensorflow.keras.layers import Dense``
    give Keras 3 (the same numbers; the corpus uses those imports because real code does).
    sys.modules is left alone, so Keras itself never sees a fake TensorFlow."""
    import builtins
    import importlib.util
    import types

    if importlib.util.find_spec("tensorflow") is not None:
        return builtins.__import__
    import keras

    tf = types.ModuleType("tensorflow")
    tf.keras = keras

    def resolve(dotted: str):
        module = tf
        for part in dotted.split(".")[1:]:
            module = getattr(module, part)
        return module

    def load(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and (name == "tensorflow" or name.startswith("tensorflow.")):
            return resolve(name) if fromlist else tf
        return builtins.__import__(name, globals, locals, fromlist, level)

    return load


SUPPORT = HERE.parent / "corpus_support"


class FileNamespace:
    """What a relative import (``from ..ops.misc import Conv2dNormActivation``) gives in an
    executed file: the file's own names. A file pasted from a package (torchvision's
    models) defines, above its pasted part, stand-ins for what it imports from its package."""

    def __init__(self, namespace: dict):
        self._namespace = namespace

    def __getattr__(self, name):
        try:
            return self._namespace[name]
        except KeyError:
            raise AttributeError(name) from None


def stand_in(name: str):
    """A module of tests/corpus_support, loaded once."""
    import importlib.util

    key = f"_corpus_support_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, SUPPORT / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def file_import(namespace: dict):
    """The executed file's ``__import__``: tensorflow_import's, and, for imports the recording
    environment cannot serve (only whole pasted files make them; see
    tests/corpus_support/README.md):

    - ``from d2l import torch as d2l``: tests/corpus_support/d2l_torch.py;
    - ``torchvision`` (``datasets``, ``transforms``, ``utils``):
      tests/corpus_support/torchvision_data.py;
    - a relative import: the file's own names (FileNamespace).

    Files without such imports run as before."""
    import types

    base = tensorflow_import()
    packages = {}

    def package(name: str):
        if name not in packages:
            if name == "d2l":
                packages[name] = types.ModuleType("d2l")
                packages[name].torch = stand_in("d2l_torch")
            else:
                packages[name] = stand_in("torchvision_data").build()
        return packages[name]

    def load(name, globals=None, locals=None, fromlist=(), level=0):
        if level > 0:
            return FileNamespace(namespace)
        top = name.split(".")[0]
        if top in ("d2l", "torchvision"):
            module = package(top)
            if fromlist:
                for part in name.split(".")[1:]:
                    module = getattr(module, part)
            return module
        return base(name, globals, locals, fromlist, level)

    return load


def execute(path: Path, code: str) -> object:
    import builtins
    import contextlib
    import io

    namespace = {"__name__": "corpus", "__file__": str(path)}
    namespace["__builtins__"] = dict(vars(builtins), __import__=file_import(namespace))
    argv = sys.argv
    sys.argv = [str(path)]  # a script's parser.parse_args() sees no arguments, as `python FILE`
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the files' print / summary noise
            # dont_inherit: the file gets none of this module's __future__ imports
            # (with `annotations`, a pasted @dataclass finds no module "corpus" to resolve in)
            exec(compile(code, str(path), "exec", dont_inherit=True), namespace)
    finally:
        sys.argv = argv
    if "model" not in namespace:
        raise ValueError("the file makes no `model`")
    return namespace["model"]


# -- PyTorch ---------------------------------------------------------------------------------

def torch_inputs(inputs):
    import torch
    if not inputs:
        raise ValueError("a PyTorch file needs an `input:` line")
    made = []
    for name, shape, dtype in inputs:
        if dtype.startswith("int"):
            tensor = torch.randint(0, 10, shape, dtype=getattr(torch, dtype))
        else:
            tensor = torch.randn(shape, dtype=getattr(torch, dtype))
        made.append((name, tensor))
    return made


def torch_call(model, made):
    if len(made) == 1 and made[0][0] is None:
        return model(made[0][1])
    if any(name is None for name, _ in made):
        raise ValueError("several inputs need names: `input NAME: (...)`")
    return model(**dict(made))


STAGES = (
    ("grad", "with grad enabled (no_grad off), nn.MultiheadAttention / TransformerEncoderLayer "
             "skip their fused eval-mode fast path, which FlopCounterMode counts 0"),
    ("mkldnn", "with oneDNN off, nn.LSTM decomposes into counted matmuls instead of the "
               "oneDNN kernel, which FlopCounterMode counts 0"),
    ("sdpa", "with SDPBackend.MATH, scaled-dot-product attention runs as counted matmuls "
             "instead of aten._scaled_dot_product_flash_attention_for_cpu, which has no "
             "FlopCounterMode formula"),
)


def torch_flops(model, made, paths: tuple[str, ...] = ()) -> int:
    """FlopCounterMode's total for one forward, in eval mode under no_grad, except for the
    math paths named in ``paths`` (the keys of STAGES)."""
    import contextlib

    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with contextlib.ExitStack() as stack:
        stack.enter_context(torch.enable_grad() if "grad" in paths else torch.no_grad())
        if "mkldnn" in paths:
            stack.enter_context(torch.backends.mkldnn.flags(enabled=False))
        if "sdpa" in paths:
            from torch.nn.attention import SDPBackend, sdpa_kernel
            stack.enter_context(sdpa_kernel(SDPBackend.MATH))
        counter = stack.enter_context(FlopCounterMode(display=False))
        torch_call(model, made)
    return int(counter.get_total_flops())


def flops_entry(model, made) -> dict:
    """{"flops": n} when the eval-mode count is the layers' arithmetic, else null and a note
    naming each math path that changed the count."""
    counts = [torch_flops(model, made)]
    paths: tuple[str, ...] = ()
    for key, _ in STAGES:
        paths += (key,)
        counts.append(torch_flops(model, made, paths))
    if counts[-1] == counts[0]:
        return {"flops": counts[0]}
    reasons = [f"{why}: {before} -> {after}" for (_, why), before, after
               in zip(STAGES, counts, counts[1:]) if before != after]
    return {"flops": None, "flops_math": counts[-1],
            "flops_note": f"FlopCounterMode counts {counts[0]} in eval mode under no_grad on "
                          f"the CPU, {counts[-1]} on the math paths; "
                          + "; ".join(reasons)}


def record_torch(path: Path, inputs, code: str) -> dict:
    import torch

    seed()
    model = execute(path, code)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` is a {type(model).__name__}, not an nn.Module")
    model.eval()
    made = torch_inputs(inputs)
    with torch.no_grad():
        out = torch_call(model, made)  # first: lazy modules take their sizes here
    outputs = [list(t.shape) for t in flatten(out)]
    entry = {
        "convention": "pytorch",
        "outputs": outputs,
        "params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "non_trainable_params": sum(p.numel() for p in model.parameters()
                                    if not p.requires_grad),
        "buffers": sum(b.numel() for b in model.buffers()),
    }
    entry.update(flops_entry(model, made))
    return entry


# -- Keras -----------------------------------------------------------------------------------

def keras_arrays(specs):
    import numpy as np
    arrays = []
    for shape, dtype in specs:
        shape = tuple(2 if i == 0 else (16 if s is None else s) for i, s in enumerate(shape))
        if "int" in str(dtype):
            arrays.append(np.random.randint(0, 10, shape).astype(str(dtype)))
        else:
            arrays.append(np.random.randn(*shape).astype("float32"))
    return arrays


def record_keras(path: Path, inputs, code: str) -> dict:
    import keras
    import numpy as np

    seed()
    keras.utils.set_random_seed(0)
    model = execute(path, code)
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` is a {type(model).__name__}, not a keras.Model")
    symbolic = None
    try:
        symbolic = model.inputs
    except (AttributeError, ValueError):
        pass
    if symbolic:
        specs = [((None,) + tuple(t.shape[1:]), t.dtype) for t in symbolic]
    elif inputs:
        specs = [((None,) + shape, dtype) for _, shape, dtype in inputs]
    else:
        raise ValueError("a Keras model without its own keras.Input needs an `input:` line")
    arrays = keras_arrays(specs)
    out = model(arrays[0] if len(arrays) == 1 else arrays, training=False)
    eager = [[None] + list(t.shape[1:]) for t in flatten(out)]
    try:
        outputs = [list(t.shape) for t in flatten(model.outputs)]
    except (AttributeError, ValueError):
        outputs = eager
    if len(outputs) != len(eager):
        raise AssertionError(f"symbolic outputs {outputs} but eager {eager}")
    for o, e in zip(outputs, eager):  # symbolic may keep None where eager has a size
        if len(o) != len(e) or any(a is not None and a != b for a, b in zip(o, e)):
            raise AssertionError(f"symbolic output {o} disagrees with eager {e}")

    def size(weights):
        return int(sum(int(np.prod(w.shape)) for w in weights))

    return {
        "convention": "keras",
        "outputs": outputs,
        "params": int(model.count_params()),
        "trainable_params": size(model.trainable_weights),
        "non_trainable_params": size(model.non_trainable_weights),
        "buffers": 0,
        "flops": None,
    }


# -- main ------------------------------------------------------------------------------------

def record(path: Path) -> dict:
    convention, inputs, code = parse(path.read_text(encoding="utf-8"))
    if convention == "pytorch":
        return record_torch(path, inputs, code)
    return record_keras(path, inputs, code)


def versions() -> dict:
    import keras
    import torch
    return {"keras": keras.__version__, "keras_backend": keras.backend.backend(),
            "python": platform.python_version(), "torch": torch.__version__}


def dump(data: dict) -> str:
    """Sorted JSON with one line per corpus file, so a re-recording diffs line by line."""
    lines = ["{"]
    for key in sorted(data):
        if key == "files":
            lines.append(' "files": {')
            names = sorted(data["files"])
            for i, name in enumerate(names):
                comma = "," if i < len(names) - 1 else ""
                lines.append(f"  {json.dumps(name)}: "
                             f"{json.dumps(data['files'][name], sort_keys=True)}{comma}")
            lines.append(" }")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(data[key], sort_keys=True)}")
        lines[-1] += ","
    lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == data
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="corpus files to (re-)record; default all")
    parser.add_argument("--check", action="store_true",
                        help="write nothing: fail if the frameworks now disagree with the "
                             "golden file (for CI, with torch and Keras installed)")
    args = parser.parse_args(argv)
    paths = [HERE / Path(f).name for f in args.files] or sorted(HERE.glob("*.py"))
    paths = [p for p in paths if p.name != "record.py"]

    old = {}
    if (args.files or args.check) and GOLDEN.exists():
        old = json.loads(GOLDEN.read_text(encoding="utf-8"))["files"]
    failures = 0
    files = dict(old)
    for path in paths:
        try:
            files[path.name] = record(path)
        except Exception:  # report every file, then fail
            failures += 1
            print(f"FAILED {path.name}", file=sys.stderr)
            traceback.print_exc()
            continue
        e = files[path.name]
        print(f"{path.name:34} {e['outputs']} params={e['params']} "
              f"buffers={e['buffers']} flops={e['flops']}")
    if failures:
        print(f"{failures} file(s) failed; {GOLDEN} not written", file=sys.stderr)
        return 1
    if args.check:
        stale = sorted(name for name in files if files[name] != old.get(name))
        gone = sorted(set(old) - {p.name for p in sorted(HERE.glob("*.py"))})
        for name in stale:
            print(f"DIFFERS {name}: golden {old.get(name)}\n        now    {files[name]}",
                  file=sys.stderr)
        for name in gone:
            print(f"STALE {name}: in the golden file, but the corpus file is gone",
                  file=sys.stderr)
        return 1 if stale or gone else 0
    data = {"about": "Written by tests/corpus/record.py from the real frameworks; "
                     "see tests/corpus/README.md. Do not edit by hand.",
            "versions": versions(), "files": files}
    GOLDEN.write_text(dump(data), encoding="utf-8")
    print(f"wrote {len(files)} entries to {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
