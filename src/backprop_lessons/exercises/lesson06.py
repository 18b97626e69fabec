"""Checkers for lesson 06: hidden layers.

The exercises repair the learner's second defect, then use the
explorer (:mod:`backprop_lessons.widgets`) to measure what width XOR
needs and which learning rates break training.
"""

import numpy as np

from .. import zoo
from ..widgets import compute
from . import ExerciseError, not_attempted, success

#: The explorer's learning-rate slider moves in steps of 10 ** 0.1.
LR_NOTCH = 0.1


def _backward_returns(layer_cls):
    # One backward on a fresh layer, to tell a starter from an attempt.
    rng = np.random.default_rng(0)
    layer = layer_cls(2, 3, rng=0)
    layer.forward(rng.standard_normal(2))
    return layer.backward(rng.standard_normal(3))


def check_chained_layer(layer_cls):
    """Check a repaired layer class whose backward chains its input
    gradient.

    ``layer_cls(n_in, n_out, rng=...)`` must follow the layer protocol;
    its ``backward(grad_out)`` must return dL/dx shaped like the input,
    ``(D,)`` or ``(N, D)``. The class is checked alone and as each layer
    of a two-layer network, on one example and on a batch
    (:func:`backprop_lessons.zoo.check_fix`); a failure says which
    check failed and what :func:`~backprop_lessons.diagnose` makes of
    it. A backward that returns None counts as not attempted yet.
    """
    name = "chained layer"
    if layer_cls is None or _backward_returns(layer_cls) is None:
        not_attempted(name)
        return
    verdict = zoo.check_fix(layer_cls)
    if not verdict.ok:
        message = verdict.message.lstrip("\N{BALLOT X} ")
        raise ExerciseError(f"{name}: {message}")
    success(verdict.message.lstrip("\N{CHECK MARK} "))


def _xor_learns(width, seed):
    result = compute(task="xor", width=width, seed=seed)
    return result.history.accuracy(result.dataset.Y) == 1.0


def check_xor_success_rate(xor_success_rate):
    """Check ``xor_success_rate(width, seeds) -> float``.

    The answer runs the explorer's default XOR training
    (``widgets.compute(task="xor", width=width, seed=seed)``) for each
    seed and returns the fraction of seeds whose accuracy is 100 %.
    Tried for widths 1 and 2 on seeds 0 to 3 against the same
    measurement. A function that returns None counts as not attempted.
    """
    name = "xor_success_rate"
    seeds = range(4)
    for i, width in enumerate((1, 2)):
        got = (None if xor_success_rate is None
               else xor_success_rate(width, seeds))
        if got is None and i == 0:
            not_attempted(name)
            return
        if got is None or not np.isscalar(got):
            raise ExerciseError(f"{name}: return one number, the fraction "
                                f"of seeds that learn; got {got!r}")
        want = np.mean([_xor_learns(width, s) for s in seeds])
        if not 0.0 <= float(got) <= 1.0:
            raise ExerciseError(f"{name}: a fraction lies between 0 and 1, "
                                f"got {got!r} for width {width}")
        if not np.isclose(float(got), want):
            raise ExerciseError(
                f"{name}: width {width}, seeds 0-3: got {float(got):.2f}, "
                f"measured {want:.2f}; count a seed only when its "
                "accuracy is exactly 1.0")
    success(f"{name}: matches the explorer for widths 1 and 2")


def _notch(lr):
    # The slider value nearest to lr, as an integer number of notches.
    return int(np.round(np.log10(lr) / LR_NOTCH))


def _first_failing_lr(answer, name, fails, still, already, low=None,
                      **settings):
    if answer is None:
        not_attempted(name)
        return None
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) \
            or not np.isfinite(answer) or answer <= 0:
        raise ExerciseError(f"{name}: give a positive learning rate, as "
                            f"the slider shows it; got {answer!r}")
    k = _notch(answer)
    if low is not None and k * LR_NOTCH <= np.log10(low):
        raise ExerciseError(f"{name}: look above the default learning "
                            f"rate {low:g}, going up one notch at a time")
    lr, below = 10.0 ** (k * LR_NOTCH), 10.0 ** ((k - 1) * LR_NOTCH)
    if not fails(compute(lr=lr, **settings)):
        raise ExerciseError(
            f"{name}: at learning rate {lr:.3g} the run still {still}; "
            "look higher")
    if fails(compute(lr=below, **settings)):
        raise ExerciseError(
            f"{name}: one notch lower, at {below:.3g}, the run already "
            f"{already}; look lower")
    return lr


def check_breaking_lr(breaking_lr):
    """Check the first slider learning rate above the default, 1, at
    which the explorer's default XOR run (tanh, width 4, 500 epochs,
    seed 0) no longer reaches 100 % accuracy.

    The answer is rounded to the slider's nearest notch (steps of
    ``10 ** 0.1``); the checker measures that it fails there and still
    learns one notch lower. (Far below 1 the run fails too, for lack of
    epochs; that is not the question.)
    """
    name = "breaking_lr"
    lr = _first_failing_lr(
        breaking_lr, name,
        lambda r: r.history.accuracy(r.dataset.Y) < 1.0,
        "learns XOR", "fails to learn XOR", low=1.0)
    if lr is not None:
        success(f"{name}: from {lr:.3g} on XOR is no longer learned; "
                "one notch lower it is")


def check_diverging_lr(diverging_lr):
    """Check the smallest slider learning rate at which the explorer's
    XOR run with the identity activation diverges (the loss stops being
    finite); the other settings are the defaults.

    The answer is rounded to the slider's nearest notch; the checker
    measures that the run diverges there and not one notch lower.
    """
    name = "diverging_lr"
    lr = _first_failing_lr(
        diverging_lr, name, lambda r: r.history.diverged,
        "stays finite", "diverges", activation="identity")
    if lr is not None:
        success(f"{name}: from {lr:.3g} on the linear network diverges; "
                "one notch lower it does not")
