"""The lessons are stored the way the course promises.

Strict nbval checks that every stored output is reproduced; these tests
check what nbval cannot: that the outputs are there to compare at all
(a notebook with cleared outputs passes nbval while verifying nothing),
that they come from one clean top-to-bottom run, and that each lesson
has the parts the course promises.
"""

import json
import pathlib
import re

import pytest

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
ALL = LESSONS + sorted(NOTEBOOKS.glob("playground.ipynb"))


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _text(output):
    text = output.get("text", "")
    return text if isinstance(text, str) else "".join(text)


def _code(path):
    return [c for c in _cells(path) if c["cell_type"] == "code"]


def test_every_lesson_from_00_to_08_is_there():
    numbers = sorted(int(p.name[:2]) for p in LESSONS)
    assert numbers == list(range(9)), [p.name for p in LESSONS]
    assert (NOTEBOOKS / "playground.ipynb").exists()


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_stored_as_one_clean_run(path):
    counts = [c["execution_count"] for c in _code(path)]
    assert None not in counts, f"{path.name}: a code cell is unexecuted"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not one clean "
        "top-to-bottom run")


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_no_unexpected_errors_and_little_ignored(path):
    ignored = 0
    for cell in _code(path):
        src = _source(cell)
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        if errors:
            assert "NBVAL_RAISES_EXCEPTION" in src, (
                f"{path.name}: a cell raises without saying it should:\n"
                f"{src[:200]}")
        if "NBVAL_IGNORE_OUTPUT" in src or "NBVAL_SKIP" in src:
            ignored += 1
        streams = [o for o in cell["outputs"]
                   if o["output_type"] == "stream" and o["name"] == "stderr"]
        assert not streams, (f"{path.name}: a cell writes to stderr "
                             "(warnings hold machine-specific paths)")
    assert ignored <= 1, f"{path.name}: {ignored} cells ignore their output"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_opens_with_goals_and_time(path):
    first = _source(_cells(path)[0])
    assert first.lstrip().startswith("#"), "the lesson opens with a title"
    assert re.search(r"\bminutes?\b", first), (
        f"{path.name}: the opening cell does not say how long it takes")


@pytest.mark.parametrize(
    "path", [p for p in LESSONS if not p.name.startswith("00")],
    ids=lambda p: p.name)
def test_lesson_has_exercises_with_hints_and_hidden_solutions(path):
    cells = _cells(path)
    text = "\n".join(_source(c) for c in cells if c["cell_type"] ==
                     "markdown")
    exercises = re.findall(r"^#+ Exercise", text, flags=re.M)
    assert len(exercises) >= 2, f"{path.name}: fewer than two exercises"
    for word in ("Goal", "Difficulty", "Time"):
        assert text.count(word) >= len(exercises), (
            f"{path.name}: not every exercise states its {word.lower()}")
    assert text.count("<details>") >= len(exercises), (
        f"{path.name}: hints belong in collapsible <details> blocks")
    hidden = [c for c in cells if c["cell_type"] == "code"
              and c.get("metadata", {}).get("jupyter", {})
              .get("source_hidden")]
    assert len(hidden) >= len(exercises), (
        f"{path.name}: every exercise needs a hidden solution cell")
    for cell in hidden:
        printed = "".join(_text(o) for o in cell["outputs"])
        assert "\N{CHECK MARK}" in printed, (
            f"{path.name}: a solution cell does not pass its checker:\n"
            f"{_source(cell)[:200]}")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lessons_import_rather_than_redefine_the_package(path):
    code = "\n".join(_source(c) for c in _code(path))
    assert "backprop_lessons" in code
    for name in ("class Dense", "class Network", "def gradcheck",
                 "def train("):
        assert name not in code, f"{path.name} redefines {name}"
