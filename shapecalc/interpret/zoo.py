"""``torchvision.models`` and ``keras.applications`` as spec code reaches them: a model's
name loads its family file from shapecalc's library (``shapecalc/zoo/``), read by this
interpreter; the weights enums, ``get_model`` and the preprocessing functions come along.
A name of those zoos that the library does not hold is refused when called, by name."""

from __future__ import annotations

from shapecalc.interpret.modules import FunctionalModel
from shapecalc.interpret.values import Builtin, Function, Namespace, Opaque
from shapecalc.zoo import CATALOG, MISSING, source

# import paths that reach the zoos (module aliases of frameworks.Library.module)
ALIASES = {"torchvision.models": "tvmodels", "keras.applications": "applications",
           "tensorflow.keras.applications": "applications",
           "tf.keras.applications": "applications"}


def namespaces(interp) -> dict[str, Namespace]:
    spaces: dict[str, Namespace] = {}

    def load(framework: str, member: str):
        family = CATALOG[framework].get(member)
        if family is None:
            return None
        label = family[:-3].replace("/", ".models." if framework == "torchvision"
                                    else ".applications.")
        return interp.prelude(family, None, source(family), label=label).lookup(member)

    def missing(dotted: str):
        def refuse(interp, args, kwargs, node):
            framework = "torchvision" if dotted.startswith("torchvision") else "keras"
            known = ", ".join(sorted(CATALOG[framework], key=str.lower))
            raise interp.error(f"`{dotted}` is not in shapecalc's library yet; it has: "
                               f"{known} (`shapecalc models` lists them)", node)
        return Builtin(dotted, refuse)

    def torchvision_model(member: str):
        found = load("torchvision", member)
        if found is not None:
            return found
        if member.endswith("_Weights"):  # ResNet50_Weights.DEFAULT: a pretrained model
            return Namespace(member, lambda name: Opaque(f"{member}.{name}"))
        if member in MISSING["torchvision"]:
            return missing(f"torchvision.models.{member}")
        if member == "get_model":
            return Builtin("get_model", _get_model)
        if member in ("list_models",):
            return Builtin(member, lambda i, a, k, n: sorted(m for m in CATALOG["torchvision"]
                                                             if m[:1].islower()))
        return Opaque(f"torchvision.models.{member}")

    def _get_model(interp, args, kwargs, node):
        name = args[0] if args else kwargs.pop("name", None)
        builder = torchvision_model(name) if isinstance(name, str) else None
        if builder is None or isinstance(builder, (Opaque, Namespace)):
            raise interp.error(f"unknown model name {name!r} for torchvision.models.get_model",
                               node)
        kwargs = {k: v for k, v in kwargs.items() if k != "name"}
        return interp.call(builder, list(args[1:]), kwargs, node, interp.top)

    def application(member: str):
        found = load("keras", member)
        if isinstance(found, Function):
            return _application(found)
        if member in MISSING["keras"]:
            return missing(f"keras.applications.{member}")
        if member in ("preprocess_input", "decode_predictions"):
            return Builtin(member, lambda i, a, k, n: a[0] if a else None)
        if member[:1].islower():  # keras.applications.resnet50, .vgg16, .imagenet_utils...
            return spaces["applications"]
        return Opaque(f"keras.applications.{member}")

    spaces["torchvision"] = Namespace("torchvision", lambda m: spaces["tvmodels"] if m == "models"
                                      else Opaque(f"torchvision.{m}"))
    spaces["tvmodels"] = Namespace("torchvision.models", torchvision_model)
    spaces["applications"] = Namespace("keras.applications", application)
    return spaces


def module_key(dotted: str) -> str | None:
    """The zoo namespace an import path names: also the zoos' submodules
    (``keras.applications.resnet50``, ``torchvision.models.resnet``)."""
    for prefix, key in ALIASES.items():
        if dotted == prefix or dotted.startswith(prefix + "."):
            return key
    return "torchvision" if dotted == "torchvision" else None


def _application(function: Function) -> Builtin:
    """A keras.applications builder: its layers are one block row (the model's name), and
    the model, called on an input of another shape than it was built for (a base built
    without input_shape, on (None, None, 3)), builds again on that shape, as Keras' layers
    do when a model is called on a new input."""
    params = [a.arg for a in function.node.args.args]

    def build(interp, args, kwargs, node, block=None):
        if block is None:
            name = kwargs.get("name") or function.defaults.get("name") or function.name.lower()
            block = interp.network.auto_name(str(name))
        interp.blocks.append(block)
        try:
            model = interp.call(function, list(args), dict(kwargs), node, interp.top)
        finally:
            interp.blocks.pop()
        if isinstance(model, FunctionalModel):
            keywords = {**dict(zip(params, args)), **kwargs}
            model.rebuild = lambda shape: build(
                interp, [], {**keywords, "input_shape": shape, "input_tensor": None}, node,
                block)
        return model

    return Builtin(function.name, build)

