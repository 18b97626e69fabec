"""Checkers for the lessons' exercises.

One module per lesson (``lesson01`` ... ``lesson08``). Every checker
follows the same order: it says so if the exercise was not attempted
yet, then checks the shape (naming both shapes), then the values
(saying the shape was fine but the numbers were not, and where), and on
success prints one line starting with a check mark.

A wrong answer raises :class:`ExerciseError`, an ``AssertionError``, so
a checker can also be used inside ``assert``-style tests.
"""

import numpy as np

from ..errors import shape_str


class ExerciseError(AssertionError):
    """The learner's answer is not right yet; the message says how."""


def not_attempted(name):
    """Print the standard line for an exercise left as it was given."""
    print(f"- {name}: not attempted yet; write your answer in the cell "
          "above and run this cell again")


def success(message):
    """Print the one-line success message."""
    print(f"\N{CHECK MARK} {message}")


def check_array(name, got, want, *, rtol=1e-6, atol=1e-9):
    """Check ``got`` against ``want``: shape first, then values.

    Raises :class:`ExerciseError` with a message naming ``name``, the
    shapes, and for wrong values the worst entry.
    """
    if got is None:
        raise ExerciseError(f"{name}: got None; did the function return "
                            "its result?")
    got = np.asarray(got)
    want = np.asarray(want)
    if got.shape != want.shape:
        raise ExerciseError(f"{name}: shape {shape_str(got.shape)}, "
                            f"expected {shape_str(want.shape)}")
    if not np.all(np.isfinite(got)):
        raise ExerciseError(f"{name}: the shape {shape_str(got.shape)} is "
                            "right but some values are NaN or infinite")
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        diff = np.abs(got - want)
        where = np.unravel_index(np.argmax(diff), diff.shape)
        raise ExerciseError(
            f"{name}: the shape {shape_str(got.shape)} is right but the "
            f"values are not; worst entry at {tuple(map(int, where))}: "
            f"got {got[where]:.6g}, expected {want[where]:.6g}")
