"""Re-execute the course notebooks in place, each in one clean run.

Strict nbval compares the stored outputs with a fresh run, so after any
change to the package the notebooks must be executed again:

    python scripts/execute_notebooks.py            # every notebook
    python scripts/execute_notebooks.py 03 06      # lessons by number

Cells marked ``# NBVAL_RAISES_EXCEPTION`` show an error on purpose; they
are allowed to raise here, and no other cell is. Per-cell timestamps
are dropped so that a re-run changes only what really changed.
"""

import argparse
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
RAISES = "raises-exception"


def _select(names):
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not names:
        return paths
    chosen = [p for p in paths if any(p.name.startswith(n) for n in names)]
    if not chosen:
        sys.exit(f"no notebook in {NOTEBOOKS} starts with {names}")
    return chosen


def execute(path, timeout=300):
    """Execute one notebook in place; returns the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    marked = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "NBVAL_RAISES_EXCEPTION" in \
                cell.source:
            tags = cell.metadata.setdefault("tags", [])
            if RAISES not in tags:
                tags.append(RAISES)
                marked.append(cell)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}
                   ).execute()
    seconds = time.perf_counter() - start
    for cell in marked:
        cell.metadata["tags"].remove(RAISES)
        if not cell.metadata["tags"]:
            del cell.metadata["tags"]
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return seconds


def main(argv=None):
    """Execute the notebooks named on the command line (default: all)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*",
                        help="notebook name prefixes, e.g. 03 playground")
    args = parser.parse_args(argv)
    for path in _select(args.names):
        seconds = execute(path)
        print(f"{path.name:<45} {seconds:6.1f} s")


if __name__ == "__main__":
    main()
