"""The layer algebra: one module per family, all registered in one table.

``resolve`` turns a constructor name as written (``nn.Conv2d``, ``torch.nn.Conv2d``,
``layers.Conv2D``, ``tf.keras.layers.Conv2D``, bare ``Conv2D``) into its rule, checking the
prefix against the spec's convention.
"""

from __future__ import annotations

import difflib

from shapecalc.errors import SpecError
from shapecalc.layers import (  # noqa: F401  (importing registers the rules)
    attention,
    conv,
    elementwise,
    embedding,
    linear,
    merge,
    norm,
    pooling,
    preprocessing,
    recurrent,
    reshape,
    transformer,
)
from shapecalc.layers.base import FRAMEWORK_TITLE, KERAS, PYTORCH, REGISTRY, LayerRule
from shapecalc.spec.syntax import Name

_PREFIXES = {
    ("nn",): PYTORCH,
    ("torch", "nn"): PYTORCH,
    ("layers",): KERAS,
    ("keras", "layers"): KERAS,
    ("tf", "keras", "layers"): KERAS,
    ("tensorflow", "keras", "layers"): KERAS,
    ("keras",): KERAS,
    ("tf", "keras"): KERAS,
}


def framework_of_prefix(name: Name) -> str | None:
    """The framework a dotted prefix names, None for a bare name."""
    prefix = name.parts[:-1]
    if not prefix:
        return None
    if prefix not in _PREFIXES:
        known = ", ".join(".".join(p) + "." for p in _PREFIXES)
        raise SpecError(f"unknown prefix `{'.'.join(prefix)}.`; known prefixes: {known}",
                        name.span)
    return _PREFIXES[prefix]


def framework_of_bare_name(name: str) -> str | None:
    """The framework that has a layer of this name, when only one does."""
    owners = {fw for fw in (PYTORCH, KERAS) if (fw, name) in REGISTRY}
    return owners.pop() if len(owners) == 1 else None


def names(framework: str) -> list[str]:
    return sorted(n for fw, n in REGISTRY if fw == framework)


def resolve(name: Name, convention: str) -> LayerRule:
    stated = framework_of_prefix(name)
    layer = name.parts[-1]
    if stated is not None and stated != convention:
        raise SpecError(
            f"`{name.dotted}` is a {FRAMEWORK_TITLE[stated]} layer, but this spec uses the "
            f"{FRAMEWORK_TITLE[convention]} convention (declare `convention: {stated}`, or "
            f"write the {FRAMEWORK_TITLE[convention]} layer)",
            name.span,
        )
    rule = REGISTRY.get((convention, layer))
    if rule is not None:
        return rule
    other = KERAS if convention == PYTORCH else PYTORCH
    if (other, layer) in REGISTRY:
        hint = f"`{layer}` is a {FRAMEWORK_TITLE[other]} layer"
    else:
        hint = f"unknown {FRAMEWORK_TITLE[convention]} layer `{layer}`"
    close = difflib.get_close_matches(layer, names(convention), n=3, cutoff=0.6)
    if not close:
        close = [n for n in names(convention) if n.lower() == layer.lower()]
    suggestion = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else (
        f"; run `shapecalc layers` for the supported {FRAMEWORK_TITLE[convention]} layers")
    raise SpecError(hint + suggestion, name.span)
