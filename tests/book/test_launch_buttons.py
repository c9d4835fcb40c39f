"""A chapter and an exercise opened where the book's launch buttons go.

Colab (or a JupyterHub) has TensorFlow, NumPy, matplotlib, pandas and scikit-learn, but
neither the course's `helpers` nor `myst_nb`. The test makes such a Python: a fresh
virtual environment holding only those distributions and what they require (linked from
this one, so nothing is downloaded but the build tool pip uses for the course), plus a
kernel for it. A quick run of chapter 1 and of exercise 1 must then succeed unchanged:
their first hidden cell installs the course from ``COURSE_REPOSITORY``, here a copy of
this checkout instead of the repository named in ``_config.yml``. And the wheel that
install builds (it holds the packages only) must carry what the pages read, the claims
record included.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml
from packaging.requirements import Requirement

from repo import ROOT
from helpers.claims import seed_spread

# A measurement whose spread over seeds chapter 5's page shows.
RECORDED = ("05", "2×Conv(64) test accuracy")
COLAB_HAS = ["tensorflow", "numpy", "matplotlib", "pandas", "scikit-learn", "ipykernel"]
INSTALL_MARK = "# Colab, Binder or a JupyterHub without the course"


def _closure(names: list[str]) -> list[metadata.Distribution]:
    """The distributions `names` need, as installed here (extras left out)."""
    found, todo = {}, list(names)
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in found:
            continue
        dist = found[key] = metadata.distribution(name)
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(found.values())


def colab_like_python(folder: Path) -> Path:
    """A virtual environment with only COLAB_HAS and their requirements; its python."""
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    site = Path(subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        text=True).strip())
    for dist in _closure(COLAB_HAS):
        tops = {Path(str(f)).parts[0] for f in dist.files or ()} - {"..", "__pycache__"}
        for top in tops:
            source = Path(dist.locate_file(top))
            if source.exists() and not (site / top).exists():
                (site / top).symlink_to(source)
    return python


def _kernel(python: Path, folder: Path) -> str:
    """A Jupyter kernel running `python`, found through JUPYTER_PATH."""
    spec = folder / "kernels" / "colab-like"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like", "language": "python"}))
    return "colab-like"


def _checkout_copy(destination: Path) -> Path:
    """The files git would commit (tracked or new, not ignored): what a clone holds."""
    files = subprocess.check_output(["git", "ls-files", "-co", "--exclude-standard"],
                                    cwd=ROOT, text=True).splitlines()
    for name in files:
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


def test_every_launchable_notebook_installs_the_course_from_the_configured_repository():
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    notebooks = sorted(ROOT.glob("book/*.ipynb")) + sorted(ROOT.glob("exercises/*/*.ipynb"))
    for path in notebooks:
        cells = nbformat.read(path, as_version=4).cells
        install = [c for c in cells if c.cell_type == "code" and INSTALL_MARK in c.source]
        assert len(install) == 1, f"{path.name}: expected one install cell, found {len(install)}"
        assert f'"git+{url}"' in install[0].source, (
            f"{path.name}: the install cell does not install {url} (_config.yml)")
        assert "remove-cell" in install[0].metadata.get("tags", []), (
            f"{path.name}: the install cell shows on the page (tag it remove-cell)")
        code = [c for c in cells if c.cell_type == "code"]
        first_import = next(i for i, c in enumerate(code) if "helpers" in c.source
                            and c is not install[0])
        assert code.index(install[0]) < first_import, (
            f"{path.name}: the install cell comes after the first use of helpers")


@pytest.mark.parametrize("notebook", ["book/01_dataset.ipynb",
                                      "solutions/ex01_dataset/ex01_dataset.ipynb"])
def test_a_notebook_runs_where_only_colabs_libraries_are(notebook, tmp_path, monkeypatch):
    python = colab_like_python(tmp_path / "env")
    missing = subprocess.run(
        [python, "-c", "import importlib.util as u; print(u.find_spec('helpers'), "
         "u.find_spec('myst_nb'), u.find_spec('tensorflow') is not None)"],
        capture_output=True, text=True, check=True, cwd=tmp_path).stdout.split()
    assert missing == ["None", "None", "True"], (
        f"the Colab-like Python should have TensorFlow but neither helpers nor myst_nb: "
        f"{missing}")

    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("COURSE_REPOSITORY", str(_checkout_copy(tmp_path / "repository")))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    kernel = _kernel(python, tmp_path / "jupyter")
    work = tmp_path / "opened"
    work.mkdir()
    shutil.copy(ROOT / notebook, work)
    ran = papermill.execute_notebook(
        str(work / Path(notebook).name), str(work / "ran.ipynb"), kernel_name=kernel,
        parameters={"QUICK": True}, cwd=str(work), progress_bar=False)

    installed = subprocess.run(
        [python, "-c", "import helpers; print(helpers.__file__)"],
        capture_output=True, text=True, cwd=tmp_path)
    assert installed.returncode == 0 and str(tmp_path / "env") in installed.stdout, (
        f"the install cell did not install helpers into the notebook's Python: "
        f"{installed.stdout}{installed.stderr[-500:]}")
    errors = [o for c in ran.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"{notebook} failed where only Colab's libraries are: {errors[:1]}"


def test_the_installed_course_reads_its_claims_record(tmp_path):
    """Colab installs a wheel, which holds the packages and nothing else of the checkout:
    `seed_spread` raised KeyError there while the record lived in benchmarks/. Built and
    installed offline (no build isolation), then read with the checkout gone."""
    source = _checkout_copy(tmp_path / "repository")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "-w", tmp_path / "dist", source],
        capture_output=True, text=True, cwd=tmp_path)
    assert built.returncode == 0, f"the wheel did not build: {built.stderr[-1500:]}"
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    held = zipfile.ZipFile(wheel).namelist()
    assert "helpers/claims.json" in held, (
        "the wheel lacks helpers/claims.json: declare it in pyproject.toml's package-data")
    for module in ("grading/checks/__init__.py", "grading/checker/__main__.py"):
        assert module in held, f"the wheel lacks {module}: list its package in pyproject.toml"

    python = colab_like_python(tmp_path / "env")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                    wheel], check=True, capture_output=True, cwd=tmp_path)
    shutil.rmtree(source)  # nothing of a checkout left to read from
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    read = subprocess.run(
        [python, "-c", "import json, sys; from helpers import claims; print(json.dumps("
         "[claims.__file__, claims.seed_spread(*sys.argv[1:])]))", *RECORDED],
        capture_output=True, text=True, cwd=tmp_path, env=env)
    assert read.returncode == 0, f"the installed course cannot read it: {read.stderr[-1500:]}"
    where, spread = json.loads(read.stdout.splitlines()[-1])
    assert Path(where).is_relative_to(tmp_path / "env"), f"helpers came from {where}"
    recorded = seed_spread(*RECORDED)  # the checkout's record
    assert spread["n"] >= 3 and spread["values"] == recorded["values"]
    assert spread["seeds"] == recorded["seeds"]


def test_binder_builds_the_python_the_requirements_are_pinned_for():
    """repo2docker takes its Python from runtime.txt; without one it picks 3.10, where
    the pinned set does not install. Then it installs requirements.txt and runs
    postBuild, which must install the helpers the chapters import."""
    wanted = f"python-{sys.version_info.major}.{sys.version_info.minor}"
    runtime = ROOT / "runtime.txt"
    assert runtime.is_file() and runtime.read_text().strip() == wanted, (
        f"runtime.txt should say {wanted}, the Python requirements.txt is pinned for")
    post_build = ROOT / "postBuild"
    assert os.access(post_build, os.X_OK), "postBuild is not executable"
    assert "pip install --no-deps -e ." in post_build.read_text(), (
        "postBuild no longer installs the course's helpers")
