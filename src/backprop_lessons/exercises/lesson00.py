"""Lesson 00: the environment check.

The check compares what is installed with the minimums the course
declares in its ``pyproject.toml`` and prints one verdict per package.
It prints no version numbers when all is well, so the lesson's stored
output is the same on every machine that can run the course; a package
that is missing or too old is reported with what was found and what is
needed.
"""

import importlib
import importlib.metadata
import pathlib
import re
import sys

import backprop_lessons

from ..errors import InputError

#: Packages the lessons import, in the order the table lists them.
PACKAGES = ("numpy", "scipy", "matplotlib", "ipywidgets")


def parse_version(text):
    """The leading release numbers of a version string, as a tuple.

    ``"2.4.6"`` -> ``(2, 4, 6)``; ``"1.17.0rc1"`` -> ``(1, 17, 0)``.
    Raises :class:`InputError` when the string starts with no number.
    """
    numbers = []
    for part in str(text).strip().split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match.group()))
        if match.end() != len(part):
            break
    if not numbers:
        raise InputError(f"cannot read a version number from {text!r}")
    return tuple(numbers)


def _at_least(found, minimum):
    # Pad with zeros so that 3.10 compares equal to 3.10.0.
    a, b = parse_version(found), parse_version(minimum)
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)) >= b + (0,) * (width - len(b))


def _read_project(text):
    """The ``[project]`` table of a pyproject.toml as a dict.

    Uses ``tomllib`` where it exists (Python 3.11+); on Python 3.10,
    which the course also supports, reads the three fields the check
    needs with regular expressions.
    """
    try:
        import tomllib
    except ModuleNotFoundError:
        tomllib = None
    if tomllib is not None:
        return tomllib.loads(text)["project"]
    table = re.search(r"^\[project\]\s*$(.*?)(?=^\[)", text + "\n[",
                      flags=re.M | re.S).group(1)
    project = {}
    for key in ("version", "requires-python"):
        match = re.search(rf'^{key}\s*=\s*"([^"]*)"', table, flags=re.M)
        if match:
            project[key] = match.group(1)
    deps = re.search(r"^dependencies\s*=\s*\[(.*?)\]", table,
                     flags=re.M | re.S)
    project["dependencies"] = re.findall(r'"([^"]*)"',
                                         deps.group(1)) if deps else []
    return project


def requirements(pyproject):
    """Read the course's minimum versions from ``pyproject``.

    Returns ``(version, minimums)``: the course's own version string and
    a dict name -> minimum version string, with ``"python"`` taken from
    ``requires-python``. Only ``>=`` bounds are read.
    """
    path = pathlib.Path(pyproject)
    if not path.is_file():
        raise InputError(f"no pyproject.toml at {path}; run the lesson "
                         "from the course's notebooks/ folder")
    project = _read_project(path.read_text(encoding="utf-8"))
    minimums = {}
    python = re.search(r">=\s*([\d.]+)", project.get("requires-python", ""))
    if python:
        minimums["python"] = python.group(1)
    for spec in project.get("dependencies", []):
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([\d.]+)", spec)
        if match:
            minimums[match.group(1).lower()] = match.group(2)
    return project["version"], minimums


def _installed(name):
    if name == "python":
        return ".".join(map(str, sys.version_info[:3]))
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def environment_report(pyproject):
    """One ``(name, verdict, ok)`` row per requirement and for the course.

    The verdicts of a working setup hold no installed version numbers,
    only the minimums read from ``pyproject``.
    """
    version, minimums = requirements(pyproject)
    rows = []
    for name in ("python",) + PACKAGES:
        if name not in minimums:
            rows.append((name, "not listed in pyproject.toml", False))
            continue
        found = _installed(name)
        need = minimums[name]
        if found is None:
            rows.append((name, "missing: run  pip install -e .", False))
        elif _at_least(found, need):
            rows.append((name, f"ok (>= {need})", True))
        else:
            rows.append((name, f"too old: found {found}, need >= {need}",
                         False))

    repo = pathlib.Path(pyproject).resolve().parent
    here = pathlib.Path(backprop_lessons.__file__).resolve()
    expected = repo / "src" / "backprop_lessons" / "__init__.py"
    if here != expected:
        rows.append(("backprop_lessons",
                     f"imported from {here.parent}, not from this "
                     "course's src/: run  pip install -e .  in the "
                     "course folder", False))
    elif backprop_lessons.__version__ != version:
        rows.append(("backprop_lessons",
                     f"version {backprop_lessons.__version__} does not "
                     f"match the course's {version}: restart the kernel",
                     False))
    else:
        rows.append(("backprop_lessons",
                     "ok (this course's src/, same version)", True))
    return rows


def check_environment(pyproject="../pyproject.toml"):
    """Print the verdict table and return True if every row is ok."""
    rows = environment_report(pyproject)
    width = max(len(name) for name, _, _ in rows)
    print(f"{'package':<{width}}  verdict")
    for name, verdict, _ in rows:
        print(f"{name:<{width}}  {verdict}")
    ok = all(good for _, _, good in rows)
    print("everything the course needs is here" if ok
          else "fix the rows above, then restart the kernel")
    return ok
