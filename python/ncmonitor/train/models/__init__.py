"""The architectures of the run config (mlp, small-cnn, resnet8/20/32), the same shapes as src/trainer/models."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch

from .mlp import mlp_features
from .network import FEATURE_OUTPUTS, ClassifierNetwork, FeatureOutput, initialise
from .resnet import RESNET_DEPTHS, resnet_features
from .small_cnn import small_cnn_features

ARCHITECTURES = ("mlp", "small-cnn", "resnet8", "resnet20", "resnet32")


def build_model(
    model_config: Mapping[str, Any], input_shape: Sequence[int], num_classes: int, seed: int, feature_output: str = "relu"
) -> ClassifierNetwork:
    """The network for ``model_config`` on images of ``input_shape`` (channels, height, width), initialised from ``seed``."""
    if num_classes < 2:
        raise ValueError(f"a classifier needs at least 2 classes, got {num_classes}")
    architecture = model_config["architecture"]
    feature_dim = model_config["featureDim"]
    if architecture == "mlp":
        features = mlp_features(input_shape, model_config.get("hiddenUnits", [256]), feature_dim, feature_output)
    elif architecture == "small-cnn":
        features = small_cnn_features(input_shape, feature_dim, feature_output)
    elif architecture in RESNET_DEPTHS:
        features = resnet_features(input_shape, RESNET_DEPTHS[architecture], model_config.get("width", 16), feature_dim, feature_output)
    else:
        raise ValueError(f'unknown model.architecture "{architecture}"; use one of {", ".join(ARCHITECTURES)}')
    torch.manual_seed(seed)
    network = ClassifierNetwork(features, feature_dim, num_classes)
    initialise(network)
    return network


def parameter_count(network: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in network.parameters())


__all__ = ["ARCHITECTURES", "FEATURE_OUTPUTS", "ClassifierNetwork", "FeatureOutput", "build_model", "parameter_count"]
