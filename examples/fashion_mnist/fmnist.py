"""Shared pieces of the Fashion-MNIST example: the dataset reader, the normalization, the models.

Every script in this directory imports from here so the preprocessing used for training, for
calibration data and for reference logits cannot drift apart.
"""
import gzip
import os
import struct

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist package

# Mean and std of the Fashion-MNIST training pixels after scaling to [0, 1]. Anything that feeds
# the exported models (qopt included) must apply exactly this transform.
MEAN = 0.2860
STD = 0.3530

NUM_CLASSES = 10
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

_IMAGES_MAGIC = 0x00000803  # unsigned byte, 3 dimensions
_LABELS_MAGIC = 0x00000801  # unsigned byte, 1 dimension
_SPLIT_PREFIX = {"train": "train", "test": "t10k"}


class DatasetError(Exception):
    pass


def read_idx(path, expected_magic):
    """Returns the uint8 array stored in a gzip-compressed IDX file, shaped by its header."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found (install Debian's dataset-fashion-mnist)")
    except (OSError, EOFError) as e:
        raise DatasetError(f"{path}: cannot decompress: {e}")
    if len(data) < 4:
        raise DatasetError(f"{path}: {len(data)} bytes, too short for an IDX header")
    (magic,) = struct.unpack(">I", data[:4])
    if magic != expected_magic:
        raise DatasetError(f"{path}: IDX magic number 0x{magic:08x}, expected 0x{expected_magic:08x}")
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DatasetError(f"{path}: truncated header ({len(data)} bytes, need {header_size})")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected = int(np.prod(shape)) if shape else 0
    payload = len(data) - header_size
    if payload != expected:
        raise DatasetError(f"{path}: header says shape {shape} ({expected} bytes) "
                           f"but the file holds {payload} bytes of data")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def normalize(images_u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28], scaled to [0,1] then standardized."""
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x[:, None, :, :].astype(np.float32, copy=False)


def load(split, data_dir=DATA_DIR):
    """Returns (images float32 [N,1,28,28] normalized, labels int64 [N]) for 'train' or 'test'."""
    if split not in _SPLIT_PREFIX:
        raise ValueError(f"unknown split {split!r}; expected one of {sorted(_SPLIT_PREFIX)}")
    prefix = os.path.join(data_dir, _SPLIT_PREFIX[split])
    images_path = prefix + "-images-idx3-ubyte.gz"
    labels_path = prefix + "-labels-idx1-ubyte.gz"
    images = read_idx(images_path, _IMAGES_MAGIC)
    labels = read_idx(labels_path, _LABELS_MAGIC)
    if images.shape[1:] != (28, 28):
        raise DatasetError(f"{images_path}: images are {images.shape[1:]}, expected (28, 28)")
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(f"{images_path} has {images.shape[0]} images but {labels_path} "
                           f"has {labels.shape[0]} labels")
    if labels.size and labels.max() >= NUM_CLASSES:
        raise DatasetError(f"{labels_path}: label {int(labels.max())} out of range 0..{NUM_CLASSES - 1}")
    return normalize(images), labels.astype(np.int64)


def calibration_indices(num_train, count=512, seed=0):
    """The first `count` indices of a seed-0 permutation of the training set.

    Shared so make_data.py and anything else that needs "the calibration set" agree exactly.
    """
    if count > num_train:
        raise ValueError(f"asked for {count} calibration images but the training set has {num_train}")
    return np.random.RandomState(seed).permutation(num_train)[:count]


# The torch-dependent half is imported lazily so make_data.py and compare.py work without torch.
def _build_models():
    import torch.nn as nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(
                nn.Flatten(),
                nn.Linear(784, 256), nn.ReLU(),
                nn.Linear(256, 128), nn.ReLU(),
                nn.Linear(128, NUM_CLASSES),
            )

        def forward(self, x):
            return self.net(x)

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(32 * 7 * 7, 128), nn.ReLU(),
                nn.Linear(128, NUM_CLASSES),
            )

        def forward(self, x):
            return self.net(x)

    return {"mlp": MLP, "cnn": CNN}


MODEL_NAMES = ("mlp", "cnn")
_models = None


def model_class(name):
    global _models
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown model {name!r}; expected one of {MODEL_NAMES}")
    if _models is None:
        _models = _build_models()
    return _models[name]


def __getattr__(attr):
    # Lets callers write `fmnist.MLP` / `fmnist.CNN` while keeping torch optional at import time.
    if attr in ("MLP", "CNN"):
        return model_class(attr.lower())
    raise AttributeError(f"module 'fmnist' has no attribute {attr!r}")
