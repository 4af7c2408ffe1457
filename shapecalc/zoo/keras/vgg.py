# VGG16 and VGG19 as keras.applications builds them (Keras 3.15). Simonyan & Zisserman,
# "Very Deep Convolutional Networks for Large-Scale Image Recognition" (ICLR 2015, Table 1,
# configurations D and E): five blocks of 3x3 'same' convs with ReLU, each closed by a 2x2 max
# pool; the top flattens into two 4096-unit dense layers and the classifier. Without the top,
# `pooling` may add a global average or max pool. Input 224x224 by default, at least 32x32.
# Arguments: include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
# pooling=None, classes=1000, classifier_activation="softmax", name. Weights do not change
# the counts; with the top they need classes=1000 and the 224x224x3 input.
import keras
from keras import layers
from keras.src.applications import imagenet_utils, application_input


def _vgg(convs, include_top, weights, input_tensor, input_shape, pooling, classes,
         classifier_activation, name):
    img_input = application_input(input_shape, input_tensor, 224, 32, include_top, weights,
                                  classes)
    x = img_input
    for block, (filters, count) in enumerate(zip((64, 128, 256, 512, 512), convs), start=1):
        for i in range(1, count + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    return keras.Model(img_input, x, name=name)


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    return _vgg((2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape, pooling,
                classes, classifier_activation, name)


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    return _vgg((2, 2, 4, 4, 4), include_top, weights, input_tensor, input_shape, pooling,
                classes, classifier_activation, name)
