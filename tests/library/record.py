"""Record what torchvision and keras.applications say about shapecalc's library models into
the ``expect`` lines of ``specs/library/``, and the index ``shapecalc/zoo/index.txt``.

    python tests/library/record.py                     # every spec; new models get a spec
    python tests/library/record.py resnet50 VGG16      # only these (file stems)
    python tests/library/record.py --check             # compare, write nothing (CI)
    python tests/library/record.py --index             # only rewrite the index

A test tool, run by hand: it *executes* the spec files' code in the real frameworks
(shapecalc itself never runs code), with tests/corpus/record.py's rules (directive lines
blanked, ``model`` is the network, one forward in eval mode; PyTorch FLOPs from
``FlopCounterMode``; counted once where the model holds no attention or LSTM, whose paths
the corpus recorder's switches change), except that ``torchvision`` is the real package. Pretrained weights
are never downloaded: ``WeightsEnum.get_state_dict`` gives nothing and ``load_state_dict`` /
Keras' ``load_weights`` do nothing, so ``weights="imagenet"`` or ``weights=...DEFAULT`` builds
the architecture the weights would fill (the counts do not depend on the values).

Environments (the numbers in the repository were made so):

- keras.applications: Keras 3.15.1 on the torch backend, torch 2.13.0 (CPU build):
  ``KERAS_BACKEND=torch python tests/library/record.py``.
- torchvision: torch 2.13.0 (CPU) and torchvision 0.28.0 (the registry's wheel is a CUDA
  build, installed with ``pip install --no-deps torchvision==0.28.0`` beside
  ``torch==2.13.0``, ``numpy``, ``pillow`` and shapecalc's own dependencies). Its compiled
  operators (``torchvision::nms`` and others, which no classification model uses) fail to
  register on a CPU torch, so this script skips ``torchvision._meta_registrations``. CI cannot install it cheaply: there,
  ``--check`` compares the Keras specs and the index, and names the torchvision specs it
  could not run; the recorded expects are what CI checks (``shapecalc check specs/``).

The spec of a new library model is made from a template (the builder called with its
defaults, at the default input size: 224, InceptionV3 / inception_v3 299, EfficientNet-Bn
its own); the transfer-learning specs under ``specs/library/transfer/`` are written by hand
and only their expect lines are recorded.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs" / "library"
INDEX = ROOT / "shapecalc" / "zoo" / "index.txt"
sys.path.insert(0, str(ROOT))

from shapecalc.zoo import CATALOG, model_names  # noqa: E402

SIZES = {"inception_v3": 299, "InceptionV3": 299, "Xception": 299, "efficientnet_b1": 240,
         "efficientnet_b2": 260, "efficientnet_b3": 300, "efficientnet_b4": 380,
         "efficientnet_b5": 456, "efficientnet_b6": 528, "efficientnet_b7": 600}
SIZES.update({f"EfficientNetB{i}": size for i, size in
              enumerate((224, 240, 260, 300, 380, 456, 528, 600))})
RECORDED = "# recorded by tests/library/record.py from "
EXPECT = re.compile(r"expect\s+([a-z_]+)\s*:\s*(.*?)\s*$")
INDEX_KEYS = ("output", "params", "trainable_params", "non_trainable_params", "buffers",
              "flops")


def corpus_recorder():
    spec = importlib.util.spec_from_file_location("_corpus_record",
                                                  ROOT / "tests" / "corpus" / "record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import builtins
    keras = importlib.util.find_spec("keras") is not None
    counted = module.flops_entry

    def flops_entry(model, made):  # one count where no switch could change it
        import torch
        switched = (torch.nn.MultiheadAttention, torch.nn.LSTM, torch.nn.TransformerEncoderLayer)
        if any(isinstance(m, switched) for m in model.modules()):
            return counted(model, made)
        return {"flops": module.torch_flops(model, made)}

    module.flops_entry = flops_entry
    module.file_import = lambda namespace: (  # the real torchvision
        module.tensorflow_import() if keras else builtins.__import__)
    return module


def no_downloads() -> None:
    try:
        import torch
        torch.nn.Module.load_state_dict = lambda self, *a, **k: None
    except ImportError:
        pass
    if importlib.util.find_spec("torchvision") is not None:
        sys.modules.setdefault("torchvision._meta_registrations",
                               types.ModuleType("torchvision._meta_registrations"))
        from torchvision.models import _api
        _api.WeightsEnum.get_state_dict = lambda self, *a, **k: {}
    if importlib.util.find_spec("keras") is not None:
        import keras
        from keras.src.utils import file_utils
        file_utils.get_file = lambda *a, **k: "weights.h5"
        keras.Model.load_weights = lambda self, *a, **k: None


def template(framework: str, name: str) -> str:
    size = SIZES.get(name, 224)
    if framework == "torchvision":
        return (f"# torchvision.models.{name}() at its default input size, in eval mode\n"
                f"convention: pytorch\ninput: (1, 3, {size}, {size})\n\n"
                f"import torchvision\n\nmodel = torchvision.models.{name}()\n"
                f"model.eval()\n")
    return (f"# keras.applications.{name}(weights=None) at its default input size\n"
            f"convention: keras\n\nimport keras\n\n"
            f"model = keras.applications.{name}(weights=None)\n")


def versions(framework: str) -> str:
    import torch
    if framework == "pytorch":
        import torchvision
        return f"torchvision {torchvision.__version__} with torch {torch.__version__}"
    import keras
    return f"Keras {keras.__version__} ({keras.backend.backend()} backend, torch {torch.__version__})"


def expect_lines(entry: dict) -> list[str]:
    lines = []
    if len(entry["outputs"]) == 1:
        shape = ", ".join("None" if s is None else str(s) for s in entry["outputs"][0])
        lines.append(f"expect output: ({shape})")
    for key in ("params", "trainable_params", "non_trainable_params", "buffers", "flops"):
        if entry["convention"] == "keras" and key in ("buffers", "flops"):
            continue
        if key == "flops" and entry.get(key) is None and entry.get("flops_math") is not None:
            key = "flops_math"  # attention on the CPU: the math path's count (see below)
        if entry.get(key) is not None:
            lines.append(f"expect {key.replace('_math', '')}: {entry[key]:,}")
    return lines


def body(text: str) -> str:
    """The spec without its recorded block."""
    kept = [line for line in text.splitlines()
            if not line.startswith(RECORDED) and not EXPECT.match(line)]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept) + "\n"


def record(corpus, path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    convention, inputs, code = corpus.parse(text)
    if convention == "pytorch":
        entry = corpus.record_torch(path, inputs, code)
    else:
        execute = corpus.execute

        def built(path, code):  # a Sequential without an Input: built on the `input:` line,
            model = execute(path, code)  # so that its symbolic outputs have a None batch
            if inputs and not model.built:
                model.build((None, *inputs[0][1]))
            return model

        corpus.execute = built
        try:
            entry = corpus.record_keras(path, inputs, code)
        finally:
            corpus.execute = execute
    note = f"; flops {entry['flops_note']}" if entry.get("flops_note") else ""
    return body(text) + "\n" + RECORDED + versions(convention) + note + "\n" + \
        "\n".join(expect_lines(entry)) + "\n"


def index_text() -> str:
    rows = ["# shapecalc's library models at their default input size: the expect lines of "
            "specs/library/, gathered by tests/library/record.py --index",
            "\t".join(("framework", "name", "family", "input") + INDEX_KEYS)]
    for framework in ("torchvision", "keras"):
        for name in model_names(framework):
            path = SPECS / framework / f"{name}.txt"
            if not path.exists():
                continue
            found = {m[1]: m[2] for m in map(EXPECT.match, path.read_text().splitlines()) if m}
            size = SIZES.get(name, 224)
            shape = f"(1, 3, {size}, {size})" if framework == "torchvision" else \
                f"(None, {size}, {size}, 3)"
            rows.append("\t".join((framework, name, CATALOG[framework][name], shape) +
                                  tuple(found.get(k, "").replace(",", "")
                                        if k != "output" else found.get(k, "")
                                        for k in INDEX_KEYS)))
    return "\n".join(rows) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="spec stems to (re-)record; default all")
    parser.add_argument("--check", action="store_true", help="write nothing; fail on change")
    parser.add_argument("--index", action="store_true", help="only rewrite the index")
    args = parser.parse_args(argv)
    if not args.index:
        have_tv = importlib.util.find_spec("torchvision") is not None
        have_keras = importlib.util.find_spec("keras") is not None
        for framework in ("torchvision", "keras"):
            for name in model_names(framework):
                path = SPECS / framework / f"{name}.txt"
                if not path.exists() and not args.check:
                    path.write_text(template(framework, name), encoding="utf-8")
        paths = sorted(SPECS.rglob("*.txt"))
        if args.names:
            paths = [p for p in paths if p.stem in args.names]
        no_downloads()
        corpus = corpus_recorder()
        failures, skipped = [], []
        for path in paths:
            torch_spec = "convention: pytorch" in path.read_text()
            if (torch_spec and not have_tv) or (not torch_spec and not have_keras):
                skipped.append(path.relative_to(ROOT))
                continue
            text = record(corpus, path)
            if args.check:
                if body(text) != body(path.read_text()) or text != path.read_text():
                    failures.append(path.relative_to(ROOT))
                    print(f"{path.relative_to(ROOT)}: the framework now says\n{text}")
            else:
                path.write_text(text, encoding="utf-8")
            print(f"{path.relative_to(ROOT)}: ok", file=sys.stderr)
        if skipped:
            print(f"not run here (framework missing): {len(skipped)} specs, e.g. {skipped[0]}")
        if failures:
            print(f"{len(failures)} specs disagree with the frameworks")
            return 1
    text = index_text()
    if args.check:
        if INDEX.read_text(encoding="utf-8") != text:
            print(f"{INDEX.relative_to(ROOT)} is not the expect lines' index: run --index")
            return 1
    else:
        INDEX.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
