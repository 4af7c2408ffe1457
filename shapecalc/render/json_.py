"""The JSON contract (see README): one object; ints as JSON integers, symbolic values as
strings in sympy's notation, Keras' batch as null."""

from __future__ import annotations

import json
from fractions import Fraction

from shapecalc.algebra import show
from shapecalc.explain import render as render_step
from shapecalc.report import LayerReport, NetworkReport


def value(v: object) -> object:
    if v is None or type(v) is int or isinstance(v, (float, str)):
        return v
    if isinstance(v, Fraction):
        if v.denominator == 1:
            return v.numerator
        return float(v) if (v.denominator & (v.denominator - 1)) == 0 else str(v)
    if isinstance(v, tuple):
        return [value(x) for x in v]
    if getattr(v, "is_Rational", False):  # a sympy number is a JSON number too
        return value(Fraction(int(v.p), int(v.q)))
    return show(v)


def layer_object(layer: LayerReport, explain: bool = False) -> dict:
    from shapecalc.render.fields import field_object

    return {
        "index": layer.index,
        "line": layer.line,
        "name": layer.name,
        "type": layer.type,
        "source": layer.source,
        "output_shape": value(layer.output_shape),
        "input_shapes": [value(shape) for shape in layer.input_shapes],
        "kernel_shape": value(layer.kernel),
        "params": value(layer.params),
        "trainable_params": value(layer.trainable),
        "non_trainable_params": value(layer.non_trainable),
        "buffers": value(layer.buffers),
        "macs": value(layer.macs),
        "flops": value(layer.flops),
        "receptive_field": field_object(layer.receptive_field),
        "conditions": list(layer.conditions),
        "block": layer.block or None,
        "inputs": list(layer.inputs),
        **({"explanations": [render_step(step) for step in layer.explanations]}
           if explain else {}),
    }


def report_object(report: NetworkReport, explain: bool = False) -> dict:
    obj = {
        "convention": report.convention,
        "input_shape": value(report.input_shape),
        "output_shape": value(report.output_shape),
        "params": value(report.params),
        "trainable_params": value(report.trainable_params),
        "non_trainable_params": value(report.non_trainable_params),
        "buffers": value(report.buffers),
        "param_bytes": value(report.param_bytes),
        "macs": value(report.macs),
        "flops": value(report.flops),
        "constructed_params": value(report.constructed_params),
        "layers": [layer_object(layer, explain) for layer in report.layers],
    }
    if len(report.output_shapes) > 1:
        obj["outputs"] = [value(shape) for shape in report.output_shapes]
    if report.notes:
        obj["notes"] = list(report.notes)
    if report.errors:
        obj = {"errors": [error_object(e) for e in report.errors], **obj}
    return obj


def error_object(error) -> dict:
    span = getattr(error, "span", None)
    return {
        "line": span.line if span else None,
        "column": span.column if span else None,
        "layer_index": getattr(error, "layer_index", None),
        "message": getattr(error, "message", str(error)),
    }


def render(report: NetworkReport, *, explain: bool = False, counting=None,
           memory: bool = False, **_options) -> str:
    obj = report_object(report, explain)
    if memory:
        from shapecalc.memory import estimate

        estimated = estimate(report)
        obj["memory"] = None if estimated is None else {
            "input_bytes": value(estimated.input),
            "forward_backward_bytes": value(estimated.forward_backward),
            "params_bytes": value(estimated.params), "total_bytes": value(estimated.total)}
    if counting is not None:
        obj["count"] = {
            "convention": counting.convention, "unit": counting.unit,
            "total": value(counting.total),
            "layers": [{"index": c.layer.index, "value": value(c.value), "note": c.note or None}
                       for c in counting.layers],
        }
    return json.dumps(obj, indent=2) + "\n"
