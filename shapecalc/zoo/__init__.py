"""The model zoos as a library: ``torchvision.models`` and ``keras.applications``, written in
shapecalc's spec language (Python model code) as package data, one file per family, read by
the same interpreter as the user's code when a spec names one of their models.

``CATALOG`` says which file defines which name, so that a spec loads only the family it
uses; ``index.txt`` (written by ``tests/library/record.py`` with the recorded numbers of
``specs/library/``) lists every model with its parameters at the default input size.
"""

from __future__ import annotations

from importlib import resources

# family file (under shapecalc/zoo/) -> the public names it defines
_FAMILIES = {
    "torchvision/resnet.py": "ResNet BasicBlock Bottleneck resnet18 resnet34 resnet50 resnet101 "
                             "resnet152 resnext50_32x4d resnext101_32x8d resnext101_64x4d "
                             "wide_resnet50_2 wide_resnet101_2",
    "torchvision/vgg.py": "VGG vgg11 vgg11_bn vgg13 vgg13_bn vgg16 vgg16_bn vgg19 vgg19_bn",
    "torchvision/alexnet.py": "AlexNet alexnet",
    "torchvision/squeezenet.py": "SqueezeNet Fire squeezenet1_0 squeezenet1_1",
    "torchvision/mobilenetv2.py": "MobileNetV2 InvertedResidual mobilenet_v2",
    "torchvision/mobilenetv3.py": "MobileNetV3 mobilenet_v3_large mobilenet_v3_small",
    "torchvision/googlenet.py": "GoogLeNet googlenet",
    "torchvision/inception.py": "Inception3 inception_v3",
    "torchvision/vision_transformer.py": "VisionTransformer vit_b_16 vit_b_32 vit_l_16 "
                                         "vit_l_32 vit_h_14",
    "torchvision/convnext.py": "ConvNeXt convnext_tiny convnext_small convnext_base "
                               "convnext_large",
    "torchvision/densenet.py": "DenseNet densenet121 densenet161 densenet169 densenet201",
    "torchvision/efficientnet.py": "EfficientNet MBConv efficientnet_b0 efficientnet_b1 "
                                   "efficientnet_b2 efficientnet_b3 efficientnet_b4 "
                                   "efficientnet_b5 efficientnet_b6 efficientnet_b7",
    "keras/vgg.py": "VGG16 VGG19",
    "keras/resnet.py": "ResNet50 ResNet101 ResNet152",
    "keras/inception_v3.py": "InceptionV3",
    "keras/mobilenet_v2.py": "MobileNetV2",
    "keras/resnet_v2.py": "ResNet50V2 ResNet101V2 ResNet152V2",
    "keras/densenet.py": "DenseNet121 DenseNet169 DenseNet201",
    "keras/mobilenet.py": "MobileNet",
    "keras/xception.py": "Xception",
    "keras/efficientnet.py": "EfficientNetB0 EfficientNetB1 EfficientNetB2 EfficientNetB3 "
                             "EfficientNetB4 EfficientNetB5 EfficientNetB6 EfficientNetB7",
}

CATALOG: dict[str, dict[str, str]] = {"torchvision": {}, "keras": {}}
for _family, _names in _FAMILIES.items():
    for _name in _names.split():
        CATALOG[_family.split("/")[0]][_name] = _family


def source(family: str) -> str:
    """The text of a family file, e.g. ``source("torchvision/resnet.py")``."""
    return resources.files(__name__).joinpath(family).read_text(encoding="utf-8")


def index() -> list[dict]:
    """The recorded index: one dict per model (framework, name, family, input, output,
    params, trainable, non_trainable, buffers, flops), in the order of ``index.txt``."""
    rows = []
    text = resources.files(__name__).joinpath("index.txt").read_text(encoding="utf-8")
    header: list[str] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header:
            header = cells
            continue
        rows.append(dict(zip(header, cells)))
    return rows


def model_names(framework: str) -> list[str]:
    """The builder functions (models) of a zoo, without its classes."""
    if framework == "torchvision":
        return [n for n in CATALOG[framework] if n[:1].islower()]
    return list(CATALOG[framework])


# the zoos' other classification models: named, and refused when called, until written here
MISSING = {
    "torchvision": set("""googlenet inception_v3 mobilenet_v3_small mobilenet_v3_large
        mnasnet0_5 mnasnet0_75 mnasnet1_0 mnasnet1_3 shufflenet_v2_x0_5 shufflenet_v2_x1_0
        shufflenet_v2_x1_5 shufflenet_v2_x2_0 efficientnet_v2_s efficientnet_v2_m
        efficientnet_v2_l regnet_y_400mf regnet_y_800mf regnet_y_1_6gf regnet_y_3_2gf
        regnet_y_8gf regnet_y_16gf regnet_y_32gf regnet_y_128gf regnet_x_400mf regnet_x_800mf
        regnet_x_1_6gf regnet_x_3_2gf regnet_x_8gf regnet_x_16gf regnet_x_32gf convnext_tiny
        convnext_small convnext_base convnext_large vit_b_16 vit_b_32 vit_l_16 vit_l_32
        vit_h_14 swin_t swin_s swin_b swin_v2_t swin_v2_s swin_v2_b maxvit_t""".split()),
    "keras": set("""Xception ResNet50V2 ResNet101V2 ResNet152V2 InceptionResNetV2 MobileNet
        MobileNetV3Small MobileNetV3Large DenseNet121 DenseNet169 DenseNet201 NASNetMobile
        NASNetLarge EfficientNetB0 EfficientNetB1 EfficientNetB2 EfficientNetB3 EfficientNetB4
        EfficientNetB5 EfficientNetB6 EfficientNetB7 EfficientNetV2B0 EfficientNetV2B1
        EfficientNetV2B2 EfficientNetV2B3 EfficientNetV2S EfficientNetV2M EfficientNetV2L
        ConvNeXtTiny ConvNeXtSmall ConvNeXtBase ConvNeXtLarge ConvNeXtXLarge""".split()),
}
for _framework, _names in MISSING.items():
    _names.difference_update(CATALOG[_framework])
