"""Checkers for lesson 05: when the fix is not enough.

The exercises read a stuck network the way the lesson does: the slope
of each unit at each example, the loss curve that stops falling, and a
change of settings that gets the stuck seeds moving.
"""

import numpy as np

from .. import data
from ..errors import shape_str
from ..layers import Dense
from ..network import Network
from ..training import train
from . import ExerciseError, check_array, not_attempted, success

#: Seeds whose corrected AND+OR network (erf activation, standard-normal
#: init, lr 1) is still wrong after 500 epochs; the lesson measures it.
STUCK_SEEDS = (5, 8, 9, 10, 14)

#: Seeds that learn with the question's settings; a remedy must keep
#: them learning.
GOOD_SEEDS = (0, 1)

#: Epochs the rescue checker trains for, as the lesson's sweep does.
RESCUE_EPOCHS = 500

_SETTINGS = {
    "activation": "erf_sigmoid",
    "init_scale": 1.0,
    "lr": 1.0,
    "loss": "squared_error",
}


def _slopes_reference(net, X):
    net.forward(X)
    last = net.layers[-1]
    return last.activation.derivative(last.z)


def _slope_cases():
    # Fresh networks, never run forward, so an answer must run forward.
    rng = np.random.default_rng(5)
    points = rng.uniform(-1.0, 2.0, size=(7, 2))
    X, _ = data.gate("and+or")
    for seed, activation, inputs in ((8, "erf_sigmoid", X),
                                     (3, "sigmoid", X),
                                     (11, "erf_sigmoid", points)):
        yield (lambda s=seed, a=activation: Network(
            [Dense(2, 2, a, rng=s)])), inputs


def check_unit_slopes(unit_slopes):
    """Check ``unit_slopes(net, X) -> (N, K)``, the activation's slope.

    The answer must run ``net`` forward on ``X`` (N, D) and return
    ``f'(z)`` of the last layer, one row per example and one column
    per unit. ``None``, or a function that returns None, counts as not
    attempted yet. Tried on fresh networks with the erf and the logistic
    activation. A transposed answer, the outputs ``f(z)`` or the
    pre-activations ``z`` are named as such.
    """
    name = "unit_slopes"
    for i, (make, X) in enumerate(_slope_cases()):
        got = None if unit_slopes is None else unit_slopes(make(), X)
        if got is None and i == 0:
            not_attempted(name)
            return
        want = _slopes_reference(make(), X)
        if got is None:
            raise ExerciseError(f"{name}: got None; does every path "
                                "return its result?")
        got = np.asarray(got)
        if got.shape == want.T.shape and got.shape != want.shape:
            raise ExerciseError(
                f"{name}: shape {shape_str(got.shape)} is transposed; "
                f"expected {shape_str(want.shape)}, one row per example")
        net = make()
        outputs = net.forward(X)
        z = net.layers[-1].z
        if got.shape == want.shape and np.allclose(got, outputs):
            raise ExerciseError(
                f"{name}: these are the outputs f(z); the slope is "
                "activation.derivative(z)")
        if got.shape == want.shape and np.allclose(got, z):
            raise ExerciseError(
                f"{name}: these are the pre-activations z; apply "
                "activation.derivative to them")
        check_array(name, got, want, rtol=1e-9, atol=1e-300)
    success(f"{name}: the slopes match on three networks, "
            "erf and logistic")


def _plateau_reference(loss, window):
    loss = np.asarray(loss, dtype=float)
    if len(loss) <= window:
        return False
    before, now = loss[-window - 1], loss[-1]
    return bool(now > 0.01 and before - now < 1e-3 * before)


def _plateau_cases():
    epochs = np.arange(2001)
    flat = 0.25 + 0.5 * np.exp(-epochs / 20.0)
    creeping = 0.25 + 1e-7 * (2000 - epochs)
    falling = 0.9 * np.exp(-epochs / 300.0) + 0.02
    learnt = 0.002 + 0.9 * np.exp(-epochs / 50.0)
    slow = 0.25 * (1 - 4e-6 * epochs)
    # A high plateau (a loss that is not bounded by 1): stalled, yet it
    # falls by more per window than a low curve that is still learning.
    high = 2.0 * (1 - 1e-6 * epochs)
    return [
        ("flat at 0.25 (stuck)", flat, 500, True),
        ("creeping down by 1e-7 per epoch at 0.25", creeping, 500, True),
        ("still falling steadily", falling, 500, False),
        ("learnt: flat at 0.002, close to zero", learnt, 500, False),
        ("falling 0.2 % per 500 epochs", slow, 500, False),
        ("stalled at 2.0, falling 0.05 % per 500 epochs", high, 500, True),
        ("shorter than the window", flat[:300], 500, False),
        ("flat, short window", flat, 50, True),
    ]


def check_plateaued(plateaued):
    """Check ``plateaued(loss, window=500) -> bool``.

    The rule: with fewer than ``window + 1`` losses, False (too early
    to tell); otherwise True when the last loss is above 0.01 and fell
    by less than 0.1 % of its value ``window`` epochs earlier. Tried on
    eight curves; a wrong verdict names the curve. ``None``, or a
    function that returns None, counts as not attempted yet.
    """
    name = "plateaued"
    for i, (label, loss, window, want) in enumerate(_plateau_cases()):
        got = None if plateaued is None else plateaued(loss.copy(),
                                                       window=window)
        if got is None and i == 0:
            not_attempted(name)
            return
        if not isinstance(got, (bool, np.bool_)):
            raise ExerciseError(f"{name}: return True or False, got "
                                f"{type(got).__name__} {got!r}")
        if bool(got) != want:
            raise ExerciseError(
                f"{name}: on a curve {label} (window {window}) it says "
                f"{bool(got)}, expected {want}")
    success(f"{name}: the right verdict on all eight curves")


def rescue_outcome(settings, seeds, epochs=RESCUE_EPOCHS):
    """Train AND+OR with ``settings`` on each seed; return successes.

    ``settings`` may set ``activation``, ``init_scale``, ``lr`` and
    ``loss``; the rest keep the question's values. Returns a dict seed
    -> bool (every prediction within 0.1 of its target).
    """
    unknown = set(settings) - set(_SETTINGS)
    if unknown:
        raise ExerciseError(
            f"rescue: unknown setting(s) {sorted(unknown)}; use "
            f"{sorted(_SETTINGS)}")
    s = {**_SETTINGS, **settings}
    X, Y = data.gate("and+or")
    outcome = {}
    for seed in seeds:
        net = Network([Dense(2, 2, s["activation"], rng=seed,
                             init_scale=s["init_scale"])], loss=s["loss"])
        history = train(net, X, Y, epochs=epochs, lr=s["lr"], seed=seed)
        outcome[seed] = history.succeeded(Y)
    return outcome


def check_rescue(settings):
    """Check a dict of settings that rescues the stuck seeds.

    Trains the AND+OR network on :data:`STUCK_SEEDS` and
    :data:`GOOD_SEEDS` for :data:`RESCUE_EPOCHS` epochs; every one must
    learn. Settings already shown in the lesson (the logistic, an
    initial scale of 0.1) are accepted but the message asks for a new
    one.
    """
    name = "rescue"
    if settings is None:
        not_attempted(name)
        return
    if not isinstance(settings, dict):
        raise ExerciseError(f"{name}: give a dict such as "
                            "{'init_scale': 0.5}, got "
                            f"{type(settings).__name__}")
    outcome = rescue_outcome(settings, STUCK_SEEDS + GOOD_SEEDS)
    failed = [seed for seed, ok in outcome.items() if not ok]
    if failed:
        raise ExerciseError(
            f"{name}: with {settings} seed(s) {failed} still do not "
            f"learn AND+OR in {RESCUE_EPOCHS} epochs")
    seen = ({"activation": "sigmoid"}, {"init_scale": 0.1})
    note = ("; the lesson showed that one, can you find another?"
            if settings in seen else "")
    success(f"{name}: {settings} learns on all {len(outcome)} seeds "
            f"tried{note}")
