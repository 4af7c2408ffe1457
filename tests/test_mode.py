"""--mode train|eval: BatchNorm on a batch of 1 and `self.training` in the code, as in
model.train() (PyTorch's state after construction, the default) and model.eval()."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from shapecalc import analyze_text
from shapecalc.cli import main

BATCH_OF_ONE = "convention: pytorch\ninput: (1, 10)\nnn.Linear(10, 20)\nnn.BatchNorm1d(20)\n"


def refusal(text: str, mode: str) -> str | None:
    report = analyze_text(text, mode=mode)
    return report.errors[0].message if report.errors else None


# torch 2.13.0, module.train(mode) then forward:
#   BatchNorm1d(20) on (1, 20), train: ValueError: Expected more than 1 value per channel
#   when training, got input size torch.Size([1, 20]); eval: runs
#   track_running_stats=False: refused in both modes (no running statistics to use)
#   InstanceNorm2d(3) on (2, 3, 1, 1): refused in both modes; with track_running_stats
#   only in train ("Expected more than 1 spatial element when training")
#   GroupNorm(3, 3) on (1, 3, 1, 1): refused in both modes
@pytest.mark.parametrize("layer, shape, train, eval_", [
    ("nn.BatchNorm1d(20)", "(1, 20)", "more than 1 value per channel", None),
    ("nn.BatchNorm2d(3)", "(1, 3, 1, 1)", "more than 1 value per channel", None),
    ("nn.BatchNorm1d(20, track_running_stats=False)", "(1, 20)",
     "more than 1 value per channel", "in eval mode too"),
    ("nn.InstanceNorm2d(3)", "(2, 3, 1, 1)", "more than 1 spatial element",
     "more than 1 spatial element"),
    ("nn.InstanceNorm2d(3, track_running_stats=True)", "(2, 3, 1, 1)",
     "more than 1 spatial element", None),
    ("nn.GroupNorm(3, 3)", "(1, 3, 1, 1)", "more than 1 value per channel",
     "more than 1 value per channel"),
    ("nn.BatchNorm1d(3, eps=0)", "(4, 3)", "eps must be positive during training", None),
    ("nn.Dropout(0.5)", "(1, 3)", None, None),
])
def test_norms_in_each_mode(layer, shape, train, eval_):
    text = f"convention: pytorch\ninput: {shape}\n{layer}\n"
    for mode, expected in (("train", train), ("eval", eval_)):
        message = refusal(text, mode)
        if expected is None:
            assert message is None, (mode, message)
        else:
            assert message is not None and expected in message, (mode, message)


def test_self_training_follows_the_mode():
    text = """\
convention: pytorch
input: (2, 8)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.aux = nn.Linear(8, 2)
    def forward(self, x):
        if self.training:
            return self.aux(x)
        return self.fc(x)
Net()
"""
    assert analyze_text(text, mode="train").output_shape == (2, 2)
    assert analyze_text(text, mode="eval").output_shape == (2, 4)


def test_cli_mode(tmp_path):
    path = tmp_path / "net.txt"
    path.write_text(BATCH_OF_ONE)
    train = CliRunner().invoke(main, ["analyze", str(path)])
    assert train.exit_code == 1 and "more than 1 value per channel" in train.output
    evaluated = CliRunner().invoke(main, ["analyze", str(path), "--mode", "eval"])
    assert evaluated.exit_code == 0 and "batch_norm1d (BatchNorm1d)" in evaluated.output
    assert "--mode [train|eval]" in CliRunner().invoke(main, ["analyze", "--help"]).output


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="train, eval"):
        analyze_text(BATCH_OF_ONE, mode="inference")
