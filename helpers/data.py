"""Fashion-MNIST, offline first.

The course must run on machines without internet (CI, exam rooms), so the data is
looked up in local places before any download, and every file is checked against the
SHA-256 of its *decompressed* content: Debian recompresses the .gz files, so their bytes
differ from upstream while the data inside is identical.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import warnings
import zlib
from pathlib import Path

import numpy as np

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
"""Label ``i`` means ``CLASS_NAMES[i]``; the files store only the integers."""

IMAGE_SHAPE = (28, 28)

# name -> SHA-256 of the decompressed idx file (the hash pins sizes and content alike)
FILES = {
    "train-images-idx3-ubyte.gz":
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz":
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz":
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz":
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")


class DatasetError(RuntimeError):
    """Fashion-MNIST could not be found intact anywhere we looked."""


class _NoCopyHere(FileNotFoundError):
    """A searched folder holds none of the files: a normal miss, not damage."""


def search_dirs() -> list[Path]:
    """Where the four files are looked for, in order."""
    dirs = []
    if os.environ.get("FASHION_MNIST_DIR"):
        dirs.append(Path(os.environ["FASHION_MNIST_DIR"]).expanduser())
    dirs.append(keras_cache_dir())
    dirs.append(DEBIAN_DIR)
    return dirs


def keras_cache_dir() -> Path:
    """Where ``keras.datasets.fashion_mnist`` keeps (and downloads) the files."""
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()
    return keras_home / "datasets" / "fashion-mnist"


def _read_idx(path: Path, expected_sha256: str) -> np.ndarray:
    """Decompress, verify and parse one idx file; raise ValueError saying what is wrong."""
    try:
        raw = gzip.decompress(path.read_bytes())
    except (EOFError, OSError, zlib.error) as err:
        raise ValueError(f"{path.name} is truncated or not gzip data ({err})") from None
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected_sha256:
        raise ValueError(f"{path.name} has the wrong content (SHA-256 {digest[:12]}…, "
                         f"expected {expected_sha256[:12]}…)")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _load_dir(directory: Path):
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        if len(missing) == len(FILES):
            raise _NoCopyHere("no Fashion-MNIST files here")
        raise FileNotFoundError("missing " + ", ".join(missing))
    arrays = {name: _read_idx(directory / name, FILES[name]) for name in FILES}
    return ((arrays["train-images-idx3-ubyte.gz"], arrays["train-labels-idx1-ubyte.gz"]),
            (arrays["t10k-images-idx3-ubyte.gz"], arrays["t10k-labels-idx1-ubyte.gz"]))


def _keras_download():
    """Last resort: let Keras fetch the files into its cache, then verify them there."""
    import keras  # imported late: TensorFlow costs seconds and is not needed otherwise

    keras.datasets.fashion_mnist.load_data()
    return _load_dir(keras_cache_dir())


@functools.lru_cache(maxsize=4)
def _load_cached(dirs: tuple[Path, ...], download: bool):
    problems, damaged = [], []
    for directory in dirs:
        try:
            data = _load_dir(directory)
        except (FileNotFoundError, ValueError) as err:
            problems.append(f"  - {directory}: {err}")
            if not isinstance(err, _NoCopyHere):
                damaged.append(problems[-1])
            continue
        if damaged:
            warnings.warn("Skipped a damaged Fashion-MNIST copy:\n" + "\n".join(damaged)
                          + f"\nUsing {directory}.", stacklevel=3)
        return data
    if download:
        try:
            return _keras_download()
        except Exception as err:  # noqa: BLE001 - Keras raises a bare Exception offline
            problems.append(f"  - download through Keras: {type(err).__name__}: {err}")
    raise DatasetError(
        "Fashion-MNIST was not found intact. Places searched, in order:\n"
        + "\n".join(problems)
        + "\nTo fix it, either\n"
        "  1. install Debian's package:  sudo apt-get install dataset-fashion-mnist\n"
        "     (or run `make setup`, which does this when it can), or\n"
        "  2. put the four original files (train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz,\n"
        "     t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in one folder and "
        "set FASHION_MNIST_DIR to it.\n"
        "Damaged files are never used: delete them, then fetch them again."
    )


def load_data(dirs=None, download: bool = True):
    """Return ``(x_train, y_train), (x_test, y_test)`` like ``keras.datasets.fashion_mnist``.

    Images are uint8 arrays of shape (n, 28, 28), labels uint8 arrays of shape (n,).
    ``dirs`` overrides :func:`search_dirs`; ``download=False`` never touches the network.
    Each call returns fresh, writable copies, so a notebook may scale them in place.
    """
    dirs = tuple(Path(d) for d in (search_dirs() if dirs is None else dirs))
    (x_train, y_train), (x_test, y_test) = _load_cached(dirs, download)
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


def scale_images(images: np.ndarray) -> np.ndarray:
    """Map uint8 pixels 0..255 to float32 in [0, 1], the range networks train well on."""
    return np.asarray(images, dtype=np.float32) / np.float32(255.0)


def subset(images: np.ndarray, labels: np.ndarray, n: int | None):
    """The first ``n`` examples (all of them when ``n`` is None); the files are shuffled."""
    if n is None:
        return images, labels
    if n <= 0:
        raise ValueError(f"subset size must be positive, got {n}")
    return images[:n], labels[:n]
