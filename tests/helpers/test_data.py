"""helpers.data: search order, integrity checks and error messages, on tiny fake files."""

import gzip
import hashlib
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import helpers
from helpers import data

N_TRAIN, N_TEST = 6, 4


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def _fake_arrays(fill: int):
    """Recognisable content: every image pixel equals ``fill``."""
    return {
        "train-images-idx3-ubyte.gz": np.full((N_TRAIN, 28, 28), fill),
        "train-labels-idx1-ubyte.gz": np.arange(N_TRAIN) % 10,
        "t10k-images-idx3-ubyte.gz": np.full((N_TEST, 28, 28), fill),
        "t10k-labels-idx1-ubyte.gz": np.arange(N_TEST) % 10,
    }


def _write_copy(directory, fill):
    directory.mkdir(parents=True, exist_ok=True)
    for name, array in _fake_arrays(fill).items():
        (directory / name).write_bytes(gzip.compress(_idx(array)))
    return directory


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Three empty search places; FILES expects copies written with fill=7."""
    expected = {name: hashlib.sha256(_idx(a)).hexdigest()
                for name, a in _fake_arrays(7).items()}
    monkeypatch.setattr(data, "FILES", expected)
    env_dir, keras_home, debian = tmp_path / "env", tmp_path / "keras", tmp_path / "debian"
    monkeypatch.setenv("FASHION_MNIST_DIR", str(env_dir))
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setattr(data, "DEBIAN_DIR", debian)
    monkeypatch.setattr(data, "_keras_download",
                        lambda: pytest.fail("the tests must never download"))
    data._load_cached.cache_clear()
    yield {"env": env_dir, "keras": keras_home / "datasets" / "fashion-mnist",
           "debian": debian}
    data._load_cached.cache_clear()


@pytest.mark.parametrize("where", ["env", "keras", "debian"])
def test_found_in_each_location(places, where):
    _write_copy(places[where], fill=7)
    (x_train, y_train), (x_test, y_test) = data.load_data(download=False)
    assert x_train.shape == (N_TRAIN, 28, 28) and x_test.shape == (N_TEST, 28, 28)
    assert x_train.dtype == y_train.dtype == np.uint8
    assert (x_train == 7).all() and list(y_test) == [0, 1, 2, 3]


def test_search_order_env_then_keras_then_debian(places):
    assert data.search_dirs() == [places["env"], places["keras"], places["debian"]]


def test_earlier_place_wins(places):
    _write_copy(places["debian"], fill=7)
    _write_copy(places["keras"], fill=7)
    (places["debian"] / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not used")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reading the damaged Debian copy first would warn
        data.load_data(download=False)


def test_corrupt_file_is_named_and_never_used(places):
    copy = _write_copy(places["debian"], fill=7)
    bad = _fake_arrays(7)["train-images-idx3-ubyte.gz"].copy()
    bad[0, 0, 0] = 8  # one pixel off: same size, valid gzip, wrong content
    (copy / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx(bad)))
    with pytest.raises(helpers.DatasetError) as err:
        data.load_data(download=False)
    message = str(err.value)
    assert f"{copy}: train-images-idx3-ubyte.gz has the wrong content" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "FASHION_MNIST_DIR" in message


def test_truncated_file(places):
    copy = _write_copy(places["env"], fill=7)
    path = copy / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(helpers.DatasetError, match="train-labels-idx1-ubyte.gz is truncated"):
        data.load_data(download=False)


def test_damaged_copy_is_skipped_with_a_warning_when_a_good_one_follows(places):
    _write_copy(places["env"], fill=9)  # hashes expect fill=7: wrong content
    _write_copy(places["debian"], fill=7)
    with pytest.warns(UserWarning, match="Skipped a damaged Fashion-MNIST copy"):
        (x_train, _), _ = data.load_data(download=False)
    assert (x_train == 7).all()


def test_missing_everywhere_names_every_place_and_both_fixes(places):
    with pytest.raises(helpers.DatasetError) as err:
        data.load_data(download=False)
    message = str(err.value)
    for place in places.values():
        assert f"{place}: no Fashion-MNIST files here" in message
    assert "apt-get install dataset-fashion-mnist" in message and "FASHION_MNIST_DIR" in message


def test_partial_copy_lists_the_missing_files(places):
    copy = _write_copy(places["keras"], fill=7)
    (copy / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(helpers.DatasetError, match="missing t10k-labels-idx1-ubyte.gz"):
        data.load_data(download=False)


def test_download_is_the_last_resort_and_its_failure_is_reported(places, monkeypatch):
    calls = []

    def offline():
        calls.append(1)
        raise Exception("URL fetch failure on https://example.invalid")  # what Keras raises

    monkeypatch.setattr(data, "_keras_download", offline)
    with pytest.raises(helpers.DatasetError, match="download through Keras: Exception: URL"):
        data.load_data()
    assert calls == [1]


def test_each_call_returns_independent_writable_copies(places):
    _write_copy(places["env"], fill=7)
    (first, _), _ = data.load_data(download=False)
    first[:] = 0
    (second, _), _ = data.load_data(download=False)
    assert (second == 7).all()


def test_scale_images_and_subset():
    images = np.array([[[0, 51, 255]]], dtype=np.uint8)
    scaled = helpers.scale_images(images)
    assert scaled.dtype == np.float32
    assert np.array_equal(scaled, np.array([[[0, 51 / 255, 1]]], dtype=np.float32))
    assert images.dtype == np.uint8  # input untouched
    x, y = helpers.subset(np.arange(10), np.arange(10) * 2, 3)
    assert x.tolist() == [0, 1, 2] and y.tolist() == [0, 2, 4]
    assert helpers.subset(x, y, None)[0] is x
    with pytest.raises(ValueError):
        helpers.subset(x, y, 0)


def test_real_data_matches_keras_loader(tmp_path):
    """With the Debian files in a Keras cache, Keras's own loader gives identical arrays."""
    if not data.DEBIAN_DIR.is_dir():
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    cache = tmp_path / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    for name in data.FILES:
        (cache / name).symlink_to(data.DEBIAN_DIR / name)
    script = (
        "import numpy as np, keras, helpers\n"
        "ours = helpers.load_data(download=False)\n"
        "theirs = keras.datasets.fashion_mnist.load_data()\n"
        "for a, b in zip(sum(ours, ()), sum(theirs, ())):\n"
        "    assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)\n"
        "print('identical', [a.shape for a in sum(ours, ())])\n"
    )
    env = {**os.environ, "KERAS_HOME": str(tmp_path)}
    env.pop("FASHION_MNIST_DIR", None)
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "identical [(60000, 28, 28), (60000,), (10000, 28, 28), (10000,)]" in result.stdout
