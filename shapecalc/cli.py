"""The command line: a thin shell over the library. Exit 0 ok, 1 invalid spec or network,
2 usage error."""

from __future__ import annotations

import sys

import click

from shapecalc import __version__
from shapecalc.errors import SpecError, UsageError

COUNTING_HELP = (
    "Columns: Params = trainable + non-trainable parameters (PyTorch buffers such as "
    "BatchNorm running statistics are listed apart); MACs = multiply-accumulates of "
    "convolutions, matmuls, linear, recurrent and attention layers (bias, norms, "
    "activations and pooling count 0); FLOPs = 2 x MACs, as "
    "torch.utils.flop_counter.FlopCounterMode counts them. Keras MACs are per sample.\n\n"
    "--count: the popular counters disagree, and each is reproduced exactly. "
    "torch: FlopCounterMode FLOPs (2 per MAC, bias ignored; the only counter for Keras "
    "specs). fvcore: FlopCountAnalysis 'flops', which are MACs, plus its own counts for "
    "norms, adaptive average pooling and upsampling; RNN/LSTM/GRU and operators it does "
    "not know count 0. torchinfo: summary's 'Mult-Adds', parameters x output size per leaf "
    "module (bias and norm weights included). ptflops: MACs plus bias, norms, activations, "
    "pooling and upsampling, divided by the batch."
)


MODE_HELP = (
    "PyTorch's module mode. train (the default): the state a model is in after it is "
    "built, and the one a training step runs in: BatchNorm normalises by the batch, so a "
    "batch of 1 with one value per channel is refused as PyTorch refuses it, and Dropout "
    "is active (it changes no shape or count). eval: as after model.eval(), the mode "
    "torchinfo's summary and inference run in: BatchNorm uses its running statistics "
    "(any batch), Dropout is the identity. `self.training` in the code reads accordingly.")


def mode_option(command):
    return click.option("--mode", type=click.Choice(["train", "eval"]), default="train",
                        show_default=True, help=MODE_HELP)(command)


def run() -> None:
    """The console script: the commands, and a message instead of a traceback should
    shapecalc itself fail."""
    try:
        main()
    except Exception as error:  # a bug in shapecalc, not in the spec: say so, briefly
        click.echo(f"shapecalc: internal error: {type(error).__name__}: {error}\n"
                   "This is a bug in shapecalc; please report it with the spec that "
                   "caused it.", err=True)
        sys.exit(1)


def _bindings(values: tuple[str, ...]) -> dict:
    from shapecalc.spec.evaluate import Evaluator
    from shapecalc.spec.reader import read_spec
    from shapecalc.spec.syntax import Let

    bindings: dict = {}
    for item in values:
        name, sep, expr = item.partition("=")
        if not sep or not name.strip().isidentifier() or "\n" in expr or "\r" in expr:
            raise click.BadParameter(f"expected NAME=VALUE on one line, got {item!r}",
                                     param_hint="--set")
        try:
            stmt = read_spec(f"let {name.strip()} = {expr}", "--set").statements[0]
            assert isinstance(stmt, Let)
            bindings[stmt.name] = Evaluator(bindings)(stmt.value)
        except SpecError as error:
            raise click.BadParameter(f"{item!r}: {error.message}", param_hint="--set")
    return bindings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shapecalc")
def main() -> None:
    """Shapes, parameters, MACs/FLOPs and receptive fields of neural networks, exactly,
    in PyTorch and Keras conventions, without installing a framework."""


@main.command(epilog=COUNTING_HELP)
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--format", "fmt",
              type=click.Choice(["table", "markdown", "latex", "json", "csv"]),
              default="table", show_default=True, help="Output format.")
@click.option("--convention", type=click.Choice(["pytorch", "keras"]),
              help="Override the spec's `convention:` line.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Bind a symbol (takes precedence over the spec's `let`). Repeatable.")
@click.option("--input", "input_text", metavar="SHAPE",
              help="The input shape, in place of the spec's `input:` line: PyTorch the full "
                   "tensor, e.g. \"(1, 3, 224, 224)\"; Keras without the batch.")
@click.option("--depth", type=click.IntRange(min=1),
              help="Show rows nested at most this deep; deeper blocks fold into one row "
                   "(1: top level only). Table, markdown and latex.")
@click.option("--explain", is_flag=True,
              help="Show each number's formula, substituted, as a person writes it "
                   "(table, markdown, latex).")
@click.option("--count", "counter", type=click.Choice(["torch", "fvcore", "torchinfo",
                                                      "ptflops"]),
              help="Add a column counting compute the way that tool does (see below).")
@click.option("--columns", "columns_text", metavar="NAMES",
              help="The per-layer columns, comma-separated, in order (default: "
                   "output,params,macs): input, output, kernel, params, trainable, "
                   "non-trainable, buffers, macs, flops, rf (receptive field size), "
                   "connected (the tensors a layer was applied to, Keras' \"Connected "
                   "to\"). JSON always has them all.")
@click.option("--memory", is_flag=True,
              help="Add torchinfo's memory estimate under the totals: input size, "
                   "forward/backward pass size, params size, estimated total (MB of "
                   "1,000,000 bytes; see the README for what each counts).")
@mode_option
def analyze(spec: str, fmt: str, convention: str | None, sets: tuple[str, ...],
            input_text: str | None, depth: int | None, explain: bool,
            counter: str | None, columns_text: str | None, memory: bool, mode: str) -> None:
    """Per-layer output shapes, parameters and MACs/FLOPs of the network in SPEC."""
    from shapecalc.render import renderer
    from shapecalc.render.cells import parse_columns

    try:
        columns = parse_columns(columns_text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--columns") from None
    bindings = _bindings(sets)
    report = _analysed(spec, convention, bindings, fmt=fmt, explain=explain, mode=mode,
                       input_shape=_input_shape(input_text, bindings))
    counting = None
    if counter is not None and report.layers:
        from shapecalc.counting import count

        try:
            counting = count(report, counter)
        except UsageError as error:
            raise click.UsageError(str(error)) from None
    click.echo(renderer(fmt)(report, depth=depth, explain=explain, counting=counting,
                             columns=columns, memory=memory), nl=False)
    _report_errors(report)


def _option_expression(text: str, option: str):
    """An option's expression, read as a spec's expression is (not evaluated)."""
    from shapecalc.spec.reader import _parse_expression

    if "\n" in text or "\r" in text:
        raise click.BadParameter("expected one line", param_hint=option)
    try:
        return _parse_expression(text, 1, 1, text)
    except SpecError as error:
        raise click.BadParameter(error.message, param_hint=option) from None


def _input_shape(text: str | None, bindings: dict) -> tuple | None:
    """--input "(1, 3, H, W)": a tuple of sizes, read as a spec's expression is."""
    if text is None:
        return None
    from shapecalc.spec.evaluate import Evaluator

    try:
        value = Evaluator(bindings)(_option_expression(text, "--input"))
    except SpecError as error:
        raise click.BadParameter(error.message, param_hint="--input") from None
    if not isinstance(value, tuple):
        raise click.BadParameter(f"expected a shape such as (1, 3, 224, 224), got {text}",
                                 param_hint="--input")
    return value


def _analysed(spec: str, convention: str | None, bindings: dict, *, fmt: str = "table",
              explain: bool = False, input_shape: tuple | None = None, mode: str = "train"):
    """Read and analyse SPEC ('-': standard input); a spec that cannot be read exits 1."""
    from shapecalc import analyze_text

    text = _read(spec)
    try:
        return analyze_text(text, path=spec, convention=convention, bindings=bindings,
                            explain=explain, input_shape=input_shape, mode=mode)
    except SpecError as error:
        _fail(error, fmt)


def _report_errors(report, *, stop: bool = True) -> None:
    """Print the network's refusal (file:line:column and caret); exit 1 when ``stop``."""
    for error in report.errors:
        click.echo(str(error), err=True)
    if report.errors and stop:
        sys.exit(1)


def _read(path: str) -> str:
    """A spec file ('-': standard input): a regular file (a device or a pipe could block or
    never end) of at most MAX_SOURCE_CHARS characters."""
    import os
    import stat

    from shapecalc.spec.reader import MAX_SOURCE_CHARS

    limit = 4 * MAX_SOURCE_CHARS  # UTF-8 takes at most 4 bytes a character
    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO: no waiting
            with open(descriptor, "rb") as handle:
                if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                    raise click.FileError(path, hint="not a regular file")
                data = handle.read(limit + 1)
        if len(data) > limit:
            raise click.FileError(path, hint=f"larger than {limit:,} bytes; a spec may have "
                                             f"at most {MAX_SOURCE_CHARS:,} characters")
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.FileError(path, hint=f"not UTF-8 text ({error.reason})")
    except OSError as error:
        raise click.FileError(path, hint=error.strerror)


def _fail(error: SpecError, fmt: str) -> None:
    if fmt == "json":
        import json

        from shapecalc.render.json_ import error_object

        click.echo(json.dumps({"errors": [error_object(error)]}, indent=2))
    click.echo(str(error), err=True)
    sys.exit(1)


@main.command("rf")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--symbolic", is_flag=True,
              help="Also print the closed form of the last layer's field on each axis.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "latex", "json"]),
              default="table", show_default=True,
              help="Output format. json: {\"layers\": [...], \"output\": {\"size\", "
                   "\"jump\", \"start\"}}, one entry per spatial axis.")
@click.option("--convention", type=click.Choice(["pytorch", "keras"]),
              help="Override the spec's `convention:` line.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Bind a symbol (takes precedence over the spec's `let`). Repeatable.")
@mode_option
def rf_command(spec: str, symbolic: bool, fmt: str, convention: str | None,
               sets: tuple[str, ...], mode: str) -> None:
    """Receptive field of every layer: size, jump (effective stride) and start (centre of
    the first output's field, in input pixels), per spatial axis. Layers that mix all
    positions (Flatten, Dense over a spatial axis, global pooling, attention) make it the
    whole input."""
    from shapecalc.render.fields import render_fields

    report = _analysed(spec, convention, _bindings(sets), fmt=fmt, mode=mode)
    click.echo(render_fields(report, symbolic=symbolic, fmt=fmt), nl=False)
    _report_errors(report)


@main.command("solve")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.argument("unknown")
@click.option("--keep-size", is_flag=True,
              help="Solve for the output size equal to the input size on each axis that "
                   "depends on UNKNOWN.")
@click.option("--output", "target", metavar="EXPR",
              help="Solve for this output size (an expression, e.g. `H` or `(H + 1) // 2`).")
@click.option("--rf", "reach", metavar="EXPR",
              help="Solve for the smallest UNKNOWN whose receptive field size reaches EXPR "
                   "on every spatial axis (e.g. L for `range(L)` and 224).")
@click.option("--layer", type=click.IntRange(min=1),
              help="Whose output (1-based index; default: the last layer).")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "latex", "json"]),
              default="table", show_default=True, help="Output format.")
@click.option("--convention", type=click.Choice(["pytorch", "keras"]),
              help="Override the spec's `convention:` line.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Bind a symbol (takes precedence over the spec's `let`). Repeatable.")
@mode_option
def solve_command(spec: str, unknown: str, keep_size: bool, target: str | None,
                  reach: str | None, layer: int | None, fmt: str, convention: str | None,
                  sets: tuple[str, ...], mode: str) -> None:
    """Find the integer values of UNKNOWN (a symbol of SPEC) that make an output size what
    it should be (--keep-size, --output), or, without either, the range of UNKNOWN for
    which the network is valid (e.g. the largest dilation that still fits). Says when
    there is no integer solution, or many."""

    if sum(map(bool, (keep_size, target, reach))) > 1:
        raise click.UsageError("give one of --keep-size, --output and --rf")
    bindings = _bindings(sets)
    if unknown in bindings:
        raise click.UsageError(f"{unknown} is the unknown: do not --set it")
    wanted = None if target is None else _option_expression(target, "--output")
    reached = None if reach is None else _option_expression(reach, "--rf")
    report = _analysed(spec, convention, bindings, fmt=fmt, mode=mode)
    _report_errors(report)
    from shapecalc.render.solutions import render_answers
    from shapecalc.solve import solve_relation

    try:
        answers = solve_relation(report, unknown, keep_size=keep_size, target=wanted,
                                 layer=layer, reach=reached)
    except ValueError as error:
        raise click.UsageError(str(error))
    click.echo(render_answers(answers, fmt), nl=False)


@main.command("check")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option("--format", "fmt", type=click.Choice(["text", "github"]), default="text",
              show_default=True,
              help="text: file:line: expected X, got Y; github: Actions annotations.")
@click.option("--update", is_flag=True,
              help="Rewrite failing expectations in place with the computed values, "
                   "changing nothing else in the file.")
@click.option("--glob", "patterns", multiple=True, default=("*.txt",), show_default=True,
              metavar="PATTERN",
              help="Which files below a directory are specs (matched at any depth). "
                   "Repeatable.")
@click.option("--strict", is_flag=True,
              help="Fail a spec file that has no `expect` lines (otherwise it is listed).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Bind a symbol (takes precedence over the spec's `let`). Repeatable.")
def check_command(paths: tuple[str, ...], fmt: str, update: bool, patterns: tuple[str, ...],
                  strict: bool, sets: tuple[str, ...]) -> None:
    """Check the `expect` lines of spec files. A file named is a spec; a directory stands
    for every file below it that matches --glob (default: *.txt).

    Exit 0 when every expectation holds; 1 when one does not (each failure printed as
    file:line), a spec cannot be read or updated, or (--strict) a spec has no `expect`
    lines; 2 for a usage error, such as a directory with no spec in it or nothing to check
    at all."""
    from shapecalc.check import UpdateRefused, check, expectations, update as rewrite
    from shapecalc.network import analyze as analyze_spec
    from shapecalc.spec.reader import read_spec

    bindings = _bindings(sets)
    files = _spec_files(paths, patterns)
    failures = checked = 0
    unchecked = []
    for path in files:
        text = _read(str(path))
        try:
            spec = read_spec(text, str(path))
        except SpecError as error:
            failures += 1
            _report_failure(fmt, str(path), error.span.line if error.span else 1,
                            f"cannot read the spec: {error.message}")
            continue
        verdicts = check(spec, analyze_spec(spec, bindings=bindings))
        count = len(expectations(spec))
        checked += count
        if not count:
            unchecked.append(path)
            failures += 1 if strict else 0
            _report_failure(fmt, str(path), None, "no `expect` lines: nothing to check",
                            error=strict)
        failed = [v for v in verdicts if not v.ok]
        if update and failed:
            try:
                rewritten = {id(v) for v in rewrite(str(path), text, failed)}
                click.echo(f"{path}: updated {len(rewritten)} expectation(s)")
                failed = [v for v in failed if id(v) not in rewritten]
            except UpdateRefused as refusal:
                click.echo(f"{path}: not updated: {refusal}", err=True)
        for verdict in failed:
            _report_failure(fmt, str(path), verdict.line or None, verdict.message)
        failures += len(failed)
    without = f" ({len(unchecked)} without `expect` lines)" if unchecked else ""
    click.echo(f"{checked} expectations in {len(files)} files{without}, {failures} failed",
               err=fmt == "github")
    if not checked and not failures:
        click.echo("shapecalc check: no expectation was checked; write `expect` lines "
                   "(e.g. `expect output: (1, 10)`) in the specs", err=True)
        sys.exit(2)
    sys.exit(1 if failures else 0)


def _spec_files(paths: tuple[str, ...], patterns: tuple[str, ...]) -> list:
    """The spec files PATHS stand for, each once, in order; a directory with none is a
    usage error, so that a mistyped path never passes."""
    from pathlib import Path

    files: dict = {}
    for name in paths:
        path = Path(name)
        found = [path]
        if path.is_dir():  # regular files only: a FIFO named *.txt would never end
            found = sorted({f for pattern in patterns for f in path.rglob(pattern)
                            if f.is_file()})
            if not found:
                raise click.UsageError(f"no spec files in {name}: nothing below it matches "
                                       f"{' or '.join(patterns)} (see --glob)")
        files.update(dict.fromkeys(found))
    return list(files)


def _report_failure(fmt: str, path: str, line: int | None, message: str, *,
                    error: bool = True) -> None:
    """One finding about a spec: a failure (error) or a note (a warning annotation)."""
    if fmt == "github":
        escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        where = f"file={path}" + ("" if line is None else f",line={line}")
        click.echo(f"::{'error' if error else 'warning'} {where}::{escaped}")
    else:
        click.echo(f"{path}{'' if line is None else f':{line}'}: {message}")


@main.command("models")
@click.argument("name", required=False)
@click.option("--framework", type=click.Choice(["torchvision", "keras"]),
              help="Only this zoo's models.")
@click.option("--show", "show_file", is_flag=True,
              help="Print the model file that defines NAME (shapecalc's own spec code).")
def models_command(name: str | None, framework: str | None, show_file: bool) -> None:
    """List the library models (torchvision.models.X, keras.applications.X) with their
    recorded numbers at the default input size, or show the file that defines one.

    The numbers come from the index recorded with the models' expect lines (torchvision
    0.28 with torch 2.13.0, Keras 3.15.1): Params total, then trainable / non-trainable
    (Keras) or buffers (PyTorch); FLOPs as FlopCounterMode counts them (PyTorch only)."""
    from shapecalc import zoo

    rows = zoo.index()
    if framework:
        rows = [r for r in rows if r["framework"] == framework]
    if name:
        matches = [(fw, n) for fw in ("torchvision", "keras") for n in zoo.CATALOG[fw]
                   if n.lower() == name.lower() and (framework is None or fw == framework)]
        if not matches:
            known = ", ".join(n for fw in ("torchvision", "keras") for n in zoo.model_names(fw))
            raise click.BadParameter(f"no library model named {name!r}; known: {known}",
                                     param_hint="NAME")
        fw, found = matches[0]
        family = zoo.CATALOG[fw][found]
        if show_file:
            click.echo(f"# shapecalc/zoo/{family}: {fw} {found}\n")
            click.echo(zoo.source(family), nl=False)
            return
        rows = [r for r in rows if r["name"] == found and r["framework"] == fw] or \
            [{"framework": fw, "name": found, "family": family}]
    elif show_file:
        raise click.BadParameter("--show needs a model NAME", param_hint="--show")
    click.echo(f"{'framework':12} {'model':20} {'input':22} {'output':14} {'params':>12} "
               f"{'trainable':>12} {'non-train.':>11} {'buffers':>9} {'FLOPs':>16}")
    for row in rows:
        def number(key):
            value = row.get(key) or ""
            return f"{int(value):,}" if value.isdigit() else ("-" if not value else value)
        click.echo(f"{row['framework']:12} {row['name']:20} {row.get('input', '-'):22} "
                   f"{row.get('output') or '-':14} {number('params'):>12} "
                   f"{number('trainable_params'):>12} {number('non_trainable_params'):>11} "
                   f"{number('buffers'):>9} {number('flops'):>16}")
    if not name:
        missing = sorted(m for fw in zoo.MISSING if framework in (None, fw)
                         for m in zoo.MISSING[fw])
        if missing:
            click.echo(f"\nnamed but not in the library yet (refused when called): "
                       f"{', '.join(missing)}")


@main.command("layers")
@click.argument("name", required=False)
@click.option("--convention", type=click.Choice(["pytorch", "keras"]),
              help="Only this framework's layers.")
def layers_command(name: str | None, convention: str | None) -> None:
    """List the supported layers, or show one layer's arguments and defaults."""
    from shapecalc.layers import REGISTRY
    from shapecalc.layers.base import FRAMEWORK_TITLE, REQUIRED

    rules = sorted({id(r): r for r in REGISTRY.values()}.values(),
                   key=lambda r: (r.framework, r.family, r.name))
    if convention:
        rules = [r for r in rules if r.framework == convention]
    if name:
        rules = [r for r in rules if name.lower() in {n.lower() for n in (r.name, *r.aliases)}]
        if not rules:
            raise click.BadParameter(f"no layer named {name!r}", param_hint="NAME")
        for rule in rules:
            click.echo(f"{FRAMEWORK_TITLE[rule.framework]} {rule.name}"
                       + (f" (aliases: {', '.join(rule.aliases)})" if rule.aliases else ""))
            click.echo("  arguments (in positional order):")
            for arg, default in rule.signature.positional:
                shown = "required" if default is REQUIRED else f"default {default!r}"
                click.echo(f"    {arg}: {shown}")
            if rule.signature.keyword_only:
                names = ", ".join(arg for arg, _ in rule.signature.keyword_only)
                click.echo(f"  keyword-only: {names}")
            doc = sys.modules[rule.apply.__module__].__doc__ or ""
            click.echo("  " + doc.strip().replace("\n", "\n  ") + "\n")
        return
    for rule in rules:
        aliases = f"  (also {', '.join(rule.aliases)})" if rule.aliases else ""
        click.echo(f"{rule.framework:8} {rule.family:12} {rule.name}{aliases}")


@main.command("export")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--to", "target", type=click.Choice(["pytorch", "keras"]),
              help="The framework to write (default: the spec's convention).")
@click.option("--convention", type=click.Choice(["pytorch", "keras"]),
              help="Override the spec's `convention:` line.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Bind a symbol (takes precedence over the spec's `let`). Repeatable.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the code to this file ('-': standard output, the default). "
                   "Never the spec itself.")
def export_command(spec: str, target: str | None, convention: str | None,
                   sets: tuple[str, ...], output: str | None) -> None:
    """The network in SPEC as runnable framework code: a PyTorch nn.Module (layers named as
    in the analysis, forward following the graph, a __main__ that prints the output shape)
    or a Keras functional model. Every symbol must be bound (--set H=224)."""
    from shapecalc.export import ExportError, export

    _refuse_same_file(spec, output)
    report = _analysed(spec, convention, _bindings(sets))
    _report_errors(report)
    try:
        code = export(report, target or report.convention)
    except ExportError as error:
        click.echo(f"shapecalc export: {error}", err=True)
        sys.exit(1)
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(code)
        except OSError as error:
            click.echo(f"shapecalc export: cannot write {output}: "
                       f"{error.strerror or error}", err=True)
            sys.exit(1)
    else:
        click.echo(code, nl=False)


def _refuse_same_file(spec: str, output: str | None) -> None:
    """-o must not name the spec, through a symlink or a hard link either: it would be
    overwritten by its own export."""
    import os

    if not output or "-" in (spec, output) or not os.path.exists(output):
        return
    if os.path.samefile(spec, output):
        raise click.BadParameter(f"{output} is the spec itself; write the code to another "
                                 "file", param_hint="-o/--output")


@main.command("verify")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--device", type=click.Choice(["meta", "cpu", "cuda"]), default="cpu",
              show_default=True,
              help="Where PyTorch runs the layers: meta (shapes and counts without data, "
                   "fastest), cpu, or cuda.")
@click.option("--convention", type=click.Choice(["pytorch", "keras"]),
              help="Override the spec's `convention:` line.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Bind a symbol (takes precedence over the spec's `let`). Repeatable.")
@mode_option
def verify_command(spec: str, device: str, convention: str | None,
                   sets: tuple[str, ...], mode: str) -> None:
    """Build the network in SPEC in its real framework and compare every layer's output
    shape, parameters, buffers and FLOPs (torch.utils.flop_counter.FlopCounterMode) with
    the calculation. PyTorch needs `pip install 'shapecalc[torch]'`; a Keras spec needs
    keras (FLOPs are not compared: Keras has no FLOP counter).

    A layer that shapecalc refuses is built and run too: the framework refusing it as well
    (its message quoted) is agreement, running it is a disagreement.

    Exit 0 when every layer agrees, 1 on a mismatch or an invalid spec, 2 when the
    framework is not installed."""
    from shapecalc.export import ExportError
    from shapecalc.verify import VerifyUnavailable, render_verification, verify

    report = _analysed(spec, convention, _bindings(sets), mode=mode)
    _report_errors(report, stop=report.refused is None)  # a refused layer: ask the framework
    try:
        result = verify(report, device=device)
    except VerifyUnavailable as error:
        click.echo(f"shapecalc verify: {error}", err=True)
        sys.exit(2)
    except ExportError as error:
        click.echo(f"shapecalc verify: {error}", err=True)
        sys.exit(1)
    click.echo(render_verification(result), nl=False)
    sys.exit(0 if result.ok else 1)
