"""The environment check of lesson 00."""

import pathlib
import sys

import pytest

from backprop_lessons.errors import InputError
from backprop_lessons.exercises import lesson00

PYPROJECT = pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml"


@pytest.mark.parametrize("text, want", [
    ("2.4.6", (2, 4, 6)),
    ("3.10", (3, 10)),
    ("1.17.0rc1", (1, 17, 0)),
    ("8.1.9.post1", (8, 1, 9)),
])
def test_parse_version(text, want):
    assert lesson00.parse_version(text) == want


def test_parse_version_refuses_text_without_a_number():
    with pytest.raises(InputError, match="cannot read a version"):
        lesson00.parse_version("dev")


def test_requirements_come_from_the_course_pyproject():
    version, minimums = lesson00.requirements(PYPROJECT)
    assert version == lesson00.backprop_lessons.__version__
    assert set(lesson00.PACKAGES) | {"python"} <= set(minimums)


def test_this_checkout_passes_with_no_version_numbers_printed(capsys):
    assert lesson00.check_environment(PYPROJECT)
    out = capsys.readouterr().out
    assert "everything the course needs is here" in out
    import numpy
    assert numpy.__version__ not in out


def _pyproject(tmp_path, deps, version="0.1.0"):
    path = tmp_path / "pyproject.toml"
    lines = ", ".join(f'"{d}"' for d in deps)
    path.write_text(
        f'[project]\nname = "x"\nversion = "{version}"\n'
        f'requires-python = ">=3.10"\ndependencies = [{lines}]\n')
    return path


def test_too_old_and_unlisted_packages_are_reported(tmp_path):
    path = _pyproject(tmp_path, ["numpy>=999", "scipy>=1.0",
                                 "matplotlib>=3.0"])
    rows = {name: (verdict, ok)
            for name, verdict, ok in lesson00.environment_report(path)}
    assert rows["numpy"][1] is False
    assert "too old" in rows["numpy"][0] and ">= 999" in rows["numpy"][0]
    assert rows["scipy"] == ("ok (>= 1.0)", True)
    assert rows["ipywidgets"] == ("not listed in pyproject.toml", False)


def test_a_package_from_elsewhere_is_reported(tmp_path, capsys):
    path = _pyproject(tmp_path, ["numpy>=1", "scipy>=1", "matplotlib>=3",
                                 "ipywidgets>=8"])
    assert not lesson00.check_environment(path)
    out = capsys.readouterr().out
    assert "not from this course's src/" in out
    assert "fix the rows above" in out


def test_a_missing_pyproject_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no pyproject.toml"):
        lesson00.requirements(tmp_path / "pyproject.toml")


def test_pyproject_is_read_the_same_without_tomllib(monkeypatch):
    text = PYPROJECT.read_text(encoding="utf-8")
    with_tomllib = lesson00._read_project(text)
    # Python 3.10 has no tomllib; the fallback must read the same fields.
    monkeypatch.setitem(sys.modules, "tomllib", None)
    without = lesson00._read_project(text)
    for key in ("version", "requires-python", "dependencies"):
        assert without[key] == with_tomllib[key]
