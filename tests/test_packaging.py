"""The conda/Binder environment and the pip metadata stay in step."""

import pathlib
import re
import sys

import pytest

yaml = pytest.importorskip("yaml")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _normalise(spec):
    return re.sub(r"\s+", "", spec).lower()


def test_environment_lists_the_same_packages_as_pyproject():
    project = _pyproject()["project"]
    extras = project["optional-dependencies"]
    wanted = set(project["dependencies"])
    for name in ("course", "test"):
        wanted |= set(extras[name])
    wanted.add("python" + project["requires-python"])

    conda = {d for d in _environment()["dependencies"]
             if isinstance(d, str) and d != "pip"}
    assert {_normalise(s) for s in conda} == {_normalise(s) for s in wanted}


def test_environment_installs_the_repository_itself():
    deps = _environment()["dependencies"]
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict)]
    assert pip_sections, "environment.yml has no pip section"
    assert "-e ." in pip_sections[0], (
        "Binder ignores pyproject.toml unless the pip section installs "
        "the repository (-e .)")
    assert "conda-forge" in _environment()["channels"]


def test_version_matches_the_package():
    import backprop_lessons

    assert backprop_lessons.__version__ == _pyproject()["project"]["version"]
