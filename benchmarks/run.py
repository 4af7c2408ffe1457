"""Measurements quoted in the README and the closing notes. Run: python benchmarks/run.py

- startup: `python -m shapecalc analyze` of a numeric VGG-16 spec and of a ResNet-50 written
  as a model zoo's source (specs/zoo/resnet50_source.txt: classes, helper methods, layer
  lists), against `python -c "import click, rich"` and `python -c pass`, in the same run
  (median of N), with the peak memory (max RSS) of each.
- symbolic: in-process analysis of a 50-layer conv network with symbolic N, H, W.
- loop: `python -m shapecalc analyze` (a fresh process, sympy's import included) of a
  `for i in range(L)` stack over conv + BN + ReLU with L, C, H, W and the stride symbols,
  in closed form; the target is at most 1 s.
- scale: in-process analysis of generated 10,000- and 20,000-layer specs (linear growth).
- library: each library model (specs/library/torchvision, specs/library/keras) analysed cold
  in a fresh process: shapecalc's modules already imported (a one-layer spec analysed first),
  then the model's spec, its family file read for the first time; wall and CPU time
  (CPU time is what a loaded machine does not inflate), slowest first.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ZOO_RESNET50 = Path(__file__).resolve().parent.parent / "specs" / "zoo" / "resnet50_source.txt"
VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def vgg16_spec(batch: str = "1", size: str = "224") -> str:
    lines = ["convention: pytorch", f"input: ({batch}, 3, {size}, {size})"]
    channels = 3
    for item in VGG16:
        if item == "M":
            lines.append("nn.MaxPool2d(kernel_size=2, stride=2)")
        else:
            lines += [f"nn.Conv2d({channels}, {item}, kernel_size=3, padding=1)", "nn.ReLU(inplace=True)"]
            channels = item
    lines += ["nn.AdaptiveAvgPool2d((7, 7))", "nn.Flatten()", "nn.Linear(512 * 7 * 7, 4096)",
              "nn.ReLU(True)", "nn.Dropout()", "nn.Linear(4096, 4096)", "nn.ReLU(True)",
              "nn.Dropout()", "nn.Linear(4096, 1000)"]
    return "\n".join(lines) + "\n"


def chain_spec(layers: int, symbolic: bool) -> str:
    size = "(N, 16, H, W)" if symbolic else "(1, 16, 64, 64)"
    lines = ["convention: pytorch", f"input: {size}"]
    for i in range(layers):
        if i % 10 == 9:
            lines.append("nn.Conv2d(16, 16, 3, stride=2, padding=1)" if symbolic and i < 40
                         else "nn.Conv2d(16, 16, 1)")
        elif i % 2:
            lines.append("nn.ReLU()")
        else:
            lines.append("nn.Conv2d(16, 16, 3, padding=1)")
    return "\n".join(lines) + "\n"


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mib(cmd: list[str]) -> float:
    """The command's maximum resident set size (a child's own, from wait4)."""
    import os

    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024


def in_process(text: str, runs: int) -> float:
    from shapecalc import analyze_text

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        report = analyze_text(text)
        assert not report.errors, report.errors[0]
        times.append(time.perf_counter() - start)
    return min(times)


def startup(runs: int) -> None:
    # an installed package has its bytecode compiled; make sure a source checkout does too
    # (PYTHONDONTWRITEBYTECODE would otherwise make every run compile every module)
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "shapecalc"),
                           quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp, "vgg16.txt")
        spec.write_text(vgg16_spec())
        py = sys.executable
        base = wall([py, "-c", "pass"], runs)
        libs = wall([py, "-c", "import click, rich"], runs)
        ours = wall([py, "-m", "shapecalc", "analyze", str(spec)], runs)
        json_ = wall([py, "-m", "shapecalc", "analyze", str(spec), "--format", "json"], runs)
        zoo_cmd = [py, "-m", "shapecalc", "analyze", str(ZOO_RESNET50)]
        zoo = wall(zoo_cmd, runs)
        memory = {"libs": peak_mib([py, "-c", "import click, rich"]), "zoo": peak_mib(zoo_cmd)}
    print(f"startup (median of {runs}):")
    print(f"  python -c pass                     {base * 1000:7.1f} ms")
    print(f"  python -c 'import click, rich'     {libs * 1000:7.1f} ms  "
          f"(peak {memory['libs']:.1f} MiB)")
    print(f"  shapecalc analyze vgg16 (table)    {ours * 1000:7.1f} ms  "
          f"({ours / libs:.2f}x import click, rich)")
    print(f"  shapecalc analyze vgg16 (json)     {json_ * 1000:7.1f} ms")
    print(f"  shapecalc analyze resnet50_source  {zoo * 1000:7.1f} ms  "
          f"({zoo / libs:.2f}x import click, rich; peak {memory['zoo']:.1f} MiB)")


def symbolic(runs: int) -> None:
    import sympy  # noqa: F401  (its import is start-up cost, measured apart)

    text = chain_spec(50, symbolic=True)
    first = in_process(text, 1)
    t = in_process(text, runs)
    print(f"symbolic 50-layer network (N, H, W symbols): first {first * 1000:.1f} ms, "
          f"then {t * 1000:.1f} ms (best of {runs}; sympy already imported)")
    resnet = Path(__file__).resolve().parent.parent / "specs" / "zoo" / "resnet50.txt"
    lines = [("input: (N, 3, H, W)" if line.startswith("input:") else line)
             for line in resnet.read_text().splitlines() if not line.startswith("expect")]
    text = "\n".join(lines) + "\n"
    first = in_process(text, 1)
    print(f"symbolic ResNet-50 (N, H, W symbols): first {first * 1000:.1f} ms")


LOOP = """convention: pytorch
input: (N, C, H, W)

for i in range(L):
    nn.Conv2d(C, C, 3, stride=s, padding=1, bias=False)
    nn.BatchNorm2d(C)
    nn.ReLU()
"""


def loop(runs: int) -> None:
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "shapecalc"),
                           quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp, "loop.txt")
        spec.write_text(LOOP)
        py = sys.executable
        base = wall([py, "-c", "import click, rich, sympy"], runs)
        ours = wall([py, "-m", "shapecalc", "analyze", str(spec), "--format", "json"], runs)
    print(f"symbolic loop range(L) over conv + BN + ReLU, cold (median of {runs}): "
          f"{ours * 1000:.1f} ms (python -c 'import click, rich, sympy': {base * 1000:.1f} ms)")


def scale(runs: int) -> None:
    t10 = in_process(chain_spec(10_000, symbolic=False), runs)
    t20 = in_process(chain_spec(20_000, symbolic=False), runs)
    print(f"scale: 10,000 layers {t10:.3f} s, 20,000 layers {t20:.3f} s, "
          f"ratio {t20 / t10:.2f} (best of {runs})")


_LIBRARY_PROBE = """
import sys, time
from shapecalc import analyze_file, analyze_text
analyze_text('convention: pytorch\\ninput: (1, 3, 8, 8)\\nnn.Conv2d(3, 4, 3)\\n')
wall, cpu = time.perf_counter(), time.process_time()
report = analyze_file(sys.argv[1])
assert not report.errors, report.errors[0]
print(time.perf_counter() - wall, time.process_time() - cpu, 'sympy' in sys.modules)
"""


def library(runs: int) -> None:
    root = Path(__file__).resolve().parent.parent / "specs" / "library"
    results = []
    for spec in sorted([*root.glob("torchvision/*.txt"), *root.glob("keras/*.txt")]):
        best = None
        for _ in range(max(1, runs // 4)):
            out = subprocess.run([sys.executable, "-c", _LIBRARY_PROBE, str(spec)], check=True,
                                 capture_output=True, text=True).stdout.split()
            wall_s, cpu_s, sympy = float(out[0]), float(out[1]), out[2] == "True"
            best = min(best or (wall_s, cpu_s, sympy), (wall_s, cpu_s, sympy))
        results.append((best[1], best[0], best[2], spec.stem))
    results.sort(reverse=True)
    print(f"library models analysed cold (best of {max(1, runs // 4)}; slowest first):")
    for cpu_s, wall_s, sympy, name in results:
        print(f"  {name:20} {cpu_s * 1000:7.1f} ms CPU  {wall_s * 1000:7.1f} ms wall"
              + ("  (imported sympy!)" if sympy else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("which", nargs="*", default=["startup", "symbolic", "loop", "scale"])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    for name in args.which:
        {"startup": startup, "symbolic": symbolic, "loop": loop, "scale": scale,
         "library": library}[name](args.runs)


if __name__ == "__main__":
    main()
