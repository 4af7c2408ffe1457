"""--mode against torch 2.13.0: each normalisation refuses an input in train mode or in
eval mode exactly when the module, put in that mode, refuses it. Skipped without torch."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from shapecalc import analyze_text  # noqa: E402

CASES = [
    ("nn.BatchNorm1d(20)", (1, 20)),
    ("nn.BatchNorm1d(20)", (2, 20)),
    ("nn.BatchNorm2d(3)", (1, 3, 1, 1)),
    ("nn.BatchNorm3d(3, affine=False)", (1, 3, 1, 1, 1)),
    ("nn.BatchNorm1d(20, track_running_stats=False)", (1, 20)),
    ("nn.BatchNorm1d(3, eps=0)", (4, 3)),
    ("nn.BatchNorm1d(3, eps=-1, track_running_stats=False)", (4, 3)),
    ("nn.InstanceNorm1d(3)", (2, 3, 1)),
    ("nn.InstanceNorm2d(3, track_running_stats=True)", (2, 3, 1, 1)),
    ("nn.InstanceNorm2d(3, affine=True, track_running_stats=True)", (3, 1, 1)),
    ("nn.GroupNorm(3, 3)", (1, 3, 1, 1)),
    ("nn.Dropout(0.5)", (1, 3)),
    ("nn.AlphaDropout(0.5)", (1, 3)),
]


def torch_refuses(line: str, shape: tuple, training: bool) -> bool:
    module = eval(line, {"nn": torch.nn}).train(training)  # test-side only: our fixture
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module(torch.rand(shape))
    except (ValueError, RuntimeError):
        return True
    return False


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("line, shape", CASES)
def test_refuses_in_the_same_mode_as_torch(line, shape, mode):
    report = analyze_text(f"convention: pytorch\ninput: {shape}\n{line}\n", mode=mode)
    assert bool(report.errors) == torch_refuses(line, shape, mode == "train"), (
        report.errors[0].message if report.errors else "shapecalc accepts it")


def test_verify_runs_the_layers_in_the_mode_asked(tmp_path):
    from click.testing import CliRunner

    from shapecalc.cli import main

    spec = tmp_path / "net.txt"
    spec.write_text("convention: pytorch\ninput: (1, 10)\nnn.Linear(10, 20)\n"
                    "nn.BatchNorm1d(20)\n")
    evaluated = CliRunner().invoke(main, ["verify", str(spec), "--mode", "eval"])
    assert evaluated.exit_code == 0, evaluated.output
    assert "all 2 layers agree with PyTorch" in evaluated.output
    trained = CliRunner().invoke(main, ["verify", str(spec)])
    assert trained.exit_code == 0, trained.output
    assert "PyTorch refuses it too" in trained.output
