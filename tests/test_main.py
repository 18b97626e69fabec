"""``python -m backprop_lessons``: the case reproduced in a terminal.

``main`` runs here in-process with few seeds and epochs, and its printed
rates are read back: AND+OR must fail under the learner's rule and be
learned under a corrected gradient. ``--help`` runs as a subprocess.
"""

import contextlib
import io
import re
import subprocess
import sys

import numpy as np
import pytest

from backprop_lessons import __main__ as cli
from backprop_lessons import data


def rates(text):
    """``{(task, activation): {network: (learned, seeds)}}`` from output."""
    table = text.split("Success rate over", 1)[1].split("\n\n", 1)[0]
    found = {}
    for line in table.splitlines()[2:]:
        task, activation, *cells = line.split()
        counts = [tuple(map(int, c.split("/"))) for c in cells
                  if "/" in c]
        found[task, activation] = dict(zip(cli.NETWORKS, counts))
    return found


@pytest.fixture(scope="module")
def output():
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = cli.main(["--seeds", "3", "--epochs", "300"])
    assert status == 0
    return buffer.getvalue()


def test_and_plus_or_fails_under_the_learners_rule_only(output):
    found = rates(output)
    for activation in ("erf_sigmoid", "sigmoid"):
        row = found["AND+OR", activation]
        assert row["learner"] == (0, 3)
        assert row["analytic"] == (3, 3)
        assert row["central"] == (3, 3)
    verdict = output.split("Verdict on AND+OR", 1)[1]
    assert re.search(r"erf_sigmoid\s+learner's rule fails \(0/3 learned\), "
                     r"corrected learns \(3/3\)", verdict)


def test_single_gates_learn_under_every_rule(output):
    found = rates(output)
    for task in ("AND", "OR"):
        for activation in ("erf_sigmoid", "sigmoid"):
            assert found[task, activation]["learner"] == (3, 3)


def test_predictions_of_seed_zero_are_printed(output):
    block = output.split("AND+OR, seed 0: predictions (AND OR)", 1)[1]
    rows = block.splitlines()[2:6]
    assert [r.split()[-8:-6] for r in rows] == [["0", "0"], ["0", "1"],
                                               ["0", "1"], ["1", "1"]]
    # The analytic network's predictions of seed 0 are within 0.1.
    analytic = np.array([[float(v) for v in r.split()[-2:]] for r in rows])
    np.testing.assert_array_less(np.abs(analytic - data.gate("and+or").Y),
                                 0.1)


def test_the_tied_rows_are_reported(output):
    match = re.search(r"W\[0\] - W\[1\] never changes \(largest drift "
                      r"over all runs: ([0-9.e+-]+)\)", output)
    assert match and float(match.group(1)) < 1e-12


def test_lines_fit_79_columns(output):
    assert max(len(line) for line in output.splitlines()) <= 79
    assert "learner's rule  ColumnDifference(), strict=False" in output


def test_a_failing_corrected_run_is_explained(capsys):
    # Seed 5 of AND with erf_sigmoid is stuck: a unit saturates.
    run = cli.run("and", "analytic", "erf_sigmoid", 5, epochs=300)
    assert not run.learned
    cli.main(["--seeds", "6", "--epochs", "300", "--tasks", "and",
              "--activations", "erf_sigmoid"])
    text = capsys.readouterr().out
    assert "Corrected runs that still fail" in text
    line = next(r for r in text.splitlines()
                if re.match(r"\s+AND\s+erf_sigmoid\s+5\s+both", r))
    slope = float(line.split()[-1])
    assert slope < cli.SLOPE_STUCK
    assert "it is saturated" in text


def test_chunked_training_is_one_long_run():
    # Stopping to check every few epochs must not change the result.
    whole = cli.run("and+or", "analytic", "sigmoid", 1, epochs=40,
                    check_every=40)
    chunks = cli.run("and+or", "analytic", "sigmoid", 1, epochs=40,
                     check_every=7)
    assert whole.epochs_run == chunks.epochs_run == 40
    np.testing.assert_array_equal(whole.W, chunks.W)


def test_bad_arguments_exit_with_a_message(capsys):
    with pytest.raises(SystemExit) as err:
        cli.main(["--seeds", "0"])
    assert err.value.code == 2
    assert "--seeds must be at least 1, got 0" in capsys.readouterr().err


def test_help_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "backprop_lessons",
                           "--help"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "usage: python -m backprop_lessons" in done.stdout
    for option in ("--seeds", "--epochs", "--tasks", "--activations"):
        assert option in done.stdout
