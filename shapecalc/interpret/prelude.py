"""Code a pasted model file imports but does not contain, written here in the spec language.

torchvision's model files import their building blocks from the package
(``from ..ops.misc import Conv2dNormActivation``, ``from ._utils import _make_divisible``)
and their plumbing (weights enums, registries, usage logging). A user who pastes such a file
gets those names from here. This is shapecalc's own code, written from torchvision's
documented behaviour (torchvision.ops docs, version 0.28), and it is read by the same
interpreter as the user's code: nothing here is executed by Python.
"""

TORCHVISION = '''
from functools import partial

import torch
from torch import nn


def _log_api_usage_once(obj):
    return None


def _ovewrite_named_param(kwargs, param, new_value):
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def _make_divisible(v, divisor, min_value=None):
    # the nearest multiple of divisor, never more than 10% below v (MobileNet's rounding)
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def register_model(name=None):
    def wrapper(fn):
        return fn
    return wrapper


def handle_legacy_interface(**weights):
    # pretrained=True/False, the older keyword, becomes weights=<the default>/None
    def outer(builder):
        def inner(*args, **kwargs):
            for name, (legacy, default) in weights.items():
                if legacy in kwargs:
                    use = kwargs.pop(legacy)
                    if use and callable(default):
                        default = default(kwargs)
                    kwargs[name] = default if use else None
            return builder(*args, **kwargs)
        return inner
    return outer


class Weights:
    def __init__(self, url, transforms, meta):
        self.url = url
        self.transforms = transforms
        self.meta = meta

    def get_state_dict(self, *args, **kwargs):
        return {}


class WeightsEnum:
    @classmethod
    def verify(cls, obj):
        return obj


class ImageClassification:
    def __init__(self, *, crop_size, resize_size=256, interpolation=None, antialias=True,
                 mean=None, std=None):
        self.crop_size = crop_size


_IMAGENET_CATEGORIES = ["category"] * 1000  # ImageNet-1k: weights set num_classes=1000
_COMMON_META = {"categories": _IMAGENET_CATEGORIES}


class ConvNormActivation(nn.Sequential):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None,
                 groups=1, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1,
                 inplace=True, bias=None, conv_layer=nn.Conv2d):
        if padding is None:
            if isinstance(kernel_size, int) and isinstance(dilation, int):
                padding = (kernel_size - 1) // 2 * dilation
            else:
                rank = len(kernel_size) if isinstance(kernel_size, (tuple, list)) else len(dilation)
                kernel_size = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * rank
                dilation = dilation if isinstance(dilation, (tuple, list)) else (dilation,) * rank
                padding = tuple((kernel_size[i] - 1) // 2 * dilation[i] for i in range(rank))
        if bias is None:
            bias = norm_layer is None
        layers = [conv_layer(in_channels, out_channels, kernel_size, stride, padding,
                             dilation=dilation, groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            params = {} if inplace is None else {"inplace": inplace}
            layers.append(activation_layer(**params))
        super().__init__(*layers)
        self.out_channels = out_channels


class Conv2dNormActivation(ConvNormActivation):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None,
                 groups=1, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1,
                 inplace=True, bias=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, groups,
                         norm_layer, activation_layer, dilation, inplace, bias, nn.Conv2d)


class Conv1dNormActivation(ConvNormActivation):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None,
                 groups=1, norm_layer=nn.BatchNorm1d, activation_layer=nn.ReLU, dilation=1,
                 inplace=True, bias=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, groups,
                         norm_layer, activation_layer, dilation, inplace, bias, nn.Conv1d)


class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU,
                 scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, input):
        scale = self.avgpool(input)
        scale = self.fc1(scale)
        scale = self.activation(scale)
        scale = self.fc2(scale)
        return self.scale_activation(scale)

    def forward(self, input):
        scale = self._scale(input)
        return scale * input


class StochasticDepth(nn.Module):
    # drops whole residual branches while training; the identity in eval mode
    def __init__(self, p, mode):
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input):
        return input


def stochastic_depth(input, p, mode, training=True):
    return input


class Permute(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return torch.permute(x, self.dims)


class MLP(nn.Sequential):
    def __init__(self, in_channels, hidden_channels, norm_layer=None, activation_layer=nn.ReLU,
                 inplace=None, bias=True, dropout=0.0):
        params = {} if inplace is None else {"inplace": inplace}
        layers = []
        in_dim = in_channels
        for hidden_dim in hidden_channels[:-1]:
            layers.append(nn.Linear(in_dim, hidden_dim, bias=bias))
            if norm_layer is not None:
                layers.append(norm_layer(hidden_dim))
            layers.append(activation_layer(**params))
            layers.append(nn.Dropout(dropout, **params))
            in_dim = hidden_dim
        layers.append(nn.Linear(in_dim, hidden_channels[-1], bias=bias))
        layers.append(nn.Dropout(dropout, **params))
        super().__init__(*layers)
'''


# keras/src/applications/*.py import these from the package (Keras 3's documented
# behaviour of imagenet_utils.obtain_input_shape: the default size where no shape is given,
# (None, None, 3) without a top, and the refusals of shapes too small or of the wrong rank)
KERAS_SRC = '''
import keras
from keras import layers
from keras import ops

Functional = keras.Model


def keras_export(*names):
    def wrapper(obj):
        return obj
    return wrapper


class backend:
    @staticmethod
    def image_data_format():
        return "channels_last"

    @staticmethod
    def standardize_data_format(data_format):
        return "channels_last" if data_format is None else data_format.lower()

    @staticmethod
    def is_keras_tensor(x):
        return True

    @staticmethod
    def int_shape(x):
        return x.shape


class operation_utils:
    @staticmethod
    def get_source_inputs(tensor):
        return tensor


class file_utils:
    @staticmethod
    def exists(path):
        return False

    @staticmethod
    def get_file(*args, **kwargs):
        return None


class imagenet_utils:
    PREPROCESS_INPUT_DOC = ""
    PREPROCESS_INPUT_RET_DOC_TF = ""
    PREPROCESS_INPUT_RET_DOC_TORCH = ""
    PREPROCESS_INPUT_RET_DOC_CAFFE = ""
    PREPROCESS_INPUT_ERROR_DOC = ""
    PREPROCESS_INPUT_DEFAULT_ERROR_DOC = ""
    PREPROCESS_INPUT_MODE_DOC = ""

    @staticmethod
    def validate_activation(classifier_activation, weights):
        if weights is None:
            return None
        if classifier_activation not in {"softmax", None}:
            raise ValueError(f"Only `None` and `softmax` activations are allowed for the `classifier_activation` argument when using pretrained weights, with `include_top=True`; Received: classifier_activation={classifier_activation}")

    @staticmethod
    def correct_pad(inputs, kernel_size):
        # the zero padding before a stride-2 'valid' conv that centres it like 'same' would
        input_size = inputs.shape[1:3]
        if isinstance(kernel_size, int):
            kernel_size = (kernel_size, kernel_size)
        if input_size[0] is None:
            adjust = (1, 1)
        else:
            adjust = (1 - input_size[0] % 2, 1 - input_size[1] % 2)
        correct = (kernel_size[0] // 2, kernel_size[1] // 2)
        return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))

    @staticmethod
    def preprocess_input(x, data_format=None, mode="caffe"):
        return x

    @staticmethod
    def decode_predictions(preds, top=5):
        return preds

    @staticmethod
    def obtain_input_shape(input_shape, default_size, min_size, data_format,
                           require_flatten, weights=None):
        if weights != "imagenet" and input_shape and len(input_shape) == 3:
            if data_format == "channels_first":
                default_shape = (input_shape[0], default_size, default_size)
            else:
                default_shape = (default_size, default_size, input_shape[-1])
        elif data_format == "channels_first":
            default_shape = (3, default_size, default_size)
        else:
            default_shape = (default_size, default_size, 3)
        if weights == "imagenet" and require_flatten:
            if input_shape is not None and tuple(input_shape) != default_shape:
                raise ValueError(f"When setting `include_top=True` and loading `imagenet` weights, `input_shape` should be {default_shape}.  Received: input_shape={input_shape}")
            return default_shape
        if input_shape:
            if len(input_shape) != 3:
                raise ValueError(f"`input_shape` must be a tuple of three integers. Received: input_shape={input_shape}")
            spatial = input_shape[1:] if data_format == "channels_first" else input_shape[:2]
            channels = input_shape[0] if data_format == "channels_first" else input_shape[-1]
            if weights == "imagenet" and channels != 3:
                raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
            for size in spatial:
                if size is not None and size < min_size:
                    raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: input_shape={input_shape}")
        elif require_flatten:
            input_shape = default_shape
        elif data_format == "channels_first":
            input_shape = (3, None, None)
        else:
            input_shape = (None, None, 3)
        if require_flatten and None in input_shape:
            raise ValueError(f"If `include_top` is True, you should specify a static `input_shape`. Received: input_shape={input_shape}")
        return input_shape


# shapecalc's keras.applications models (shapecalc/zoo/keras/) share these: the arguments'
# checks, the input, and the top, as the applications document them
def application_input(input_shape, input_tensor, default_size, min_size, include_top, weights,
                      classes):
    if not (weights is None or isinstance(weights, str)):
        raise ValueError("The `weights` argument should be either `None` (random initialization), 'imagenet' (pre-training on ImageNet), or the path to the weights file to be loaded. Received: weights=" + str(weights))
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000. Received classes={classes}")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=min_size, data_format="channels_last",
        require_flatten=include_top, weights=weights)
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    return input_tensor


def application_top(x, include_top, pooling, classes, classifier_activation, weights):
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D()(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D()(x)
    return x
'''
