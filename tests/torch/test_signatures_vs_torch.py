"""Every PyTorch layer we accept binds its arguments as torch.nn binds them: the same
names, in the same positional order, with the same defaults."""

from __future__ import annotations

import inspect

import pytest

from shapecalc.layers.base import PYTORCH, REGISTRY, REQUIRED

torch = pytest.importorskip("torch")

# the merge family's add/sub/mul/cat stand for torch functions (x + y, torch.cat), not modules
RULES = sorted({rule.name: rule for (fw, _), rule in REGISTRY.items()
                if fw == PYTORCH and rule.family != "merge"}.items())


def torch_parameters(cls) -> tuple[list, list]:
    positional, keyword_only = [], []
    for p in inspect.signature(cls).parameters.values():
        default = REQUIRED if p.default is inspect.Parameter.empty else p.default
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional.append((p.name, default))
        elif p.kind == p.KEYWORD_ONLY:
            keyword_only.append((p.name, default))
    return positional, keyword_only


@pytest.mark.parametrize("name, rule", RULES, ids=[name for name, _ in RULES])
def test_signature_matches_torch(name, rule):
    cls = getattr(torch.nn, name)
    kinds = {p.kind for p in inspect.signature(cls).parameters.values()}
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        pytest.skip(f"torch.nn.{name} declares *args; its binding is tested by behaviour")
    positional, keyword_only = torch_parameters(cls)
    assert list(rule.signature.positional) == positional
    assert list(rule.signature.keyword_only) == keyword_only
