"""Against torchinfo 1.8.0's summary: its memory estimate (input size, forward/backward
pass size, params size, estimated total) and its columns input_size and kernel_size,
layer by layer. Skipped without torch or torchinfo."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
torchinfo = pytest.importorskip("torchinfo")

from shapecalc import analyze_text  # noqa: E402
from shapecalc.memory import estimate  # noqa: E402

MODELS = {
    "conv-bn-linear": ((1, 3, 32, 32), [
        "nn.Conv2d(3, 8, 3)", "nn.ReLU()", "nn.BatchNorm2d(8)", "nn.Flatten()",
        "nn.Linear(7200, 10)"]),
    "pooled": ((2, 3, 28, 28), [
        "nn.Conv2d(3, 16, 3, padding=1)", "nn.ReLU()", "nn.MaxPool2d(2)",
        "nn.Conv2d(16, 32, (3, 5), bias=False)", "nn.Dropout(0.5)",
        "nn.AdaptiveAvgPool2d(1)", "nn.Flatten()", "nn.Linear(32, 10)"]),
    "conv1d": ((4, 6, 50), [
        "nn.Conv1d(6, 12, 5, stride=2, dilation=2)", "nn.GELU()", "nn.AvgPool1d(3)",
        "nn.LayerNorm(7)", "nn.Linear(7, 3)"]),
}


def summarised(name: str):
    shape, lines = MODELS[name]
    namespace = {"nn": torch.nn}
    model = torch.nn.Sequential(*(eval(line, namespace) for line in lines))  # our fixture
    statistics = torchinfo.summary(model, input_size=shape, verbose=0)
    report = analyze_text("convention: pytorch\ninput: " + str(shape) + "\n"
                          + "\n".join(lines) + "\n")
    assert not report.errors, report.errors[0].message
    return statistics, report


@pytest.mark.parametrize("name", sorted(MODELS))
def test_memory_estimate_is_torchinfos(name):
    statistics, report = summarised(name)
    memory = estimate(report)
    assert memory.input == statistics.total_input
    assert memory.forward_backward == statistics.total_output_bytes
    assert memory.params == statistics.total_param_bytes
    printed = str(statistics)
    assert f"Estimated Total Size (MB): {memory.total / 1e6:0.2f}" in printed
    assert f"Forward/backward pass size (MB): {memory.forward_backward / 1e6:0.2f}" in printed


@pytest.mark.parametrize("name", sorted(MODELS))
def test_input_and_kernel_columns_are_torchinfos(name):
    statistics, report = summarised(name)
    leaves = [info for info in statistics.summary_list if info.depth == 1]
    assert len(leaves) == len(report.layers)
    for info, layer in zip(leaves, report.layers):
        assert [list(shape) for shape in layer.input_shapes] == [info.input_size]
        kernel = info.kernel_size
        if isinstance(kernel, int):  # pooling keeps the int it was given
            kernel = [kernel] * len(layer.kernel)
        assert (list(layer.kernel) if layer.kernel else None) == kernel, layer.source


@pytest.mark.parametrize("spec", ["resnet18.txt", "inception_3a.txt"])
def test_memory_estimate_of_zoo_models_is_torchinfos(spec):
    """A whole model, exported to PyTorch and summarised by torchinfo (ResNet-18: 0.60,
    39.75, 46.76 and 87.11 MB, the numbers of torchinfo's own README)."""
    from pathlib import Path

    from shapecalc import analyze_file
    from shapecalc.export import export

    report = analyze_file(Path(__file__).resolve().parents[2] / "specs" / "zoo" / spec)
    namespace = {"__name__": "exported"}
    exec(export(report, "pytorch"), namespace)  # test-side only: code shapecalc wrote
    model = next(v for v in namespace.values() if isinstance(v, type)
                 and issubclass(v, torch.nn.Module) and v.__module__ == "exported")()
    statistics = torchinfo.summary(model, input_size=report.input_shape, verbose=0)
    memory = estimate(report)
    assert (memory.input, memory.forward_backward, memory.params) == (
        statistics.total_input, statistics.total_output_bytes, statistics.total_param_bytes)
