"""The README's examples run as written, and its commands are real."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_python_examples_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "the README has no Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert "verdict" in capsys.readouterr().out


def test_the_two_commands_are_the_makefile_targets():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("course", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, flags=re.M)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, flags=re.M), (
        "CI must run the README's test command")


def test_lesson_map_names_every_notebook():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"`{path.stem}`" in README, f"{path.name} is not in the map"
