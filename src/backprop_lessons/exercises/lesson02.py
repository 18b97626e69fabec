"""Checkers for lesson 02: shape checks.

Exercise 2.1 asks for ``predict_shapes(n_in, n_out)``, the shape of
every array in one backward step of the learner's layer; exercise 2.2
for ``guarded_step(W, dW, lr)``, an update that refuses a gradient of
the wrong shape instead of letting numpy broadcast it.
"""

import numpy as np

from .. import question
from ..errors import shape_str
from . import ExerciseError, not_attempted, success

#: The arrays of one backward step of ``question.Layer``, in order.
NAMES = ("weights", "inputs", "outputs", "error_grad", "dout_dw",
         "derror_dw", "dout_din")

#: Layer sizes ``(n_in, n_out)`` the shape checker tries.
SIZES = ((2, 2), (2, 1), (3, 4), (5, 3))

def learner_shapes(n_in, n_out, seed=0):
    """Run one backward step of ``question.Layer(n_in, n_out)`` and
    return the shape of each array in :data:`NAMES`, measured."""
    layer = question.Layer(n_in, n_out, rng=seed)
    x = np.random.default_rng(seed).random(n_in)
    y = layer.forward(x)
    target = np.zeros(n_out)
    error_grad = question.loss_grad(target, y)
    weights_shape = layer.weights.shape
    layer.backward(error_grad)
    return {
        "weights": weights_shape,
        "inputs": layer.inputs.shape,
        "outputs": y.shape,
        "error_grad": np.shape(error_grad),
        "dout_dw": layer.dout_dw.shape,
        "derror_dw": layer.derror_dw.shape,
        "dout_din": layer.dout_din.shape,
    }


def _as_shape(value):
    try:
        return tuple(int(n) for n in value)
    except (TypeError, ValueError):
        return None


def check_predict_shapes(predict_shapes):
    """Check exercise 2.1, ``predict_shapes(n_in, n_out)``.

    It must return a dict with a shape tuple for every name in
    :data:`NAMES`, as the learner's layer really produces them, for
    every size in :data:`SIZES`.
    """
    first = predict_shapes(*SIZES[0])
    if first is None:
        not_attempted("predict_shapes")
        return
    for n_in, n_out in SIZES:
        got = predict_shapes(n_in, n_out)
        where = f"predict_shapes({n_in}, {n_out})"
        if not hasattr(got, "get"):
            raise ExerciseError(f"{where}: expected a dict of shapes, got "
                                f"{type(got).__name__}")
        missing = [name for name in NAMES if name not in got]
        if missing:
            raise ExerciseError(f"{where}: no entry for "
                                f"{', '.join(missing)}")
        want = learner_shapes(n_in, n_out)
        for name in NAMES:
            shape = _as_shape(got[name])
            if shape is None:
                raise ExerciseError(
                    f"{where}: {name} should be a shape tuple such as "
                    f"(2, 3), got {got[name]!r}")
            if shape != want[name]:
                note = ""
                if name == "derror_dw" and shape == want["weights"]:
                    note = (": that is the shape it should have, the "
                            "shape of the weights, but the learner's "
                            "code gives something else; run the pieces "
                            "and look")
                elif name == "dout_dw" and shape == (n_out, n_out,
                                                     n_in + 1):
                    note = (": that is the shape of the true Jacobian, "
                            "but numeric_grad returns one slope per "
                            "output per column")
                raise ExerciseError(
                    f"{where} (a layer with {n_in} inputs and {n_out} "
                    f"outputs): you predicted {name} of shape "
                    f"{shape_str(shape)}, the learner's code gives "
                    f"{shape_str(want[name])}{note}")
    success("predict_shapes() matches the learner's layer at every size: "
            "derror_dw is (n_in + 1,) whatever n_out is")


def _cases():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((2, 3))
    yield "right", W, rng.standard_normal((2, 3)), 1.0
    yield "right", rng.standard_normal((4, 5)), \
        rng.standard_normal((4, 5)), 0.1
    yield "wrong", W, rng.standard_normal(3), 1.0
    yield "wrong", W, rng.standard_normal((1, 3)), 1.0
    yield "wrong", W, rng.standard_normal((2, 1)), 1.0


def check_guarded_step(guarded_step):
    """Check exercise 2.2, ``guarded_step(W, dW, lr)``.

    With ``dW`` shaped like ``W`` it must apply ``W -= lr * dW`` in
    place and return ``W``. With any other shape (even one numpy would
    broadcast) it must raise a ``ValueError`` (such as ``ShapeError``)
    whose message names both shapes, and leave ``W`` unchanged.
    """
    W = np.ones((2, 3))
    try:
        probe = guarded_step(W, np.ones((2, 3)), 1.0)
    except ValueError:
        # Reported with the cases below, which say what was refused.
        probe = W
    if probe is None:
        if np.array_equal(W, np.ones((2, 3))):
            not_attempted("guarded_step")
            return
        raise ExerciseError("guarded_step: W was updated but the function "
                            "returned None; end with return W")
    for kind, W0, dW, lr in _cases():
        W = W0.copy()
        where = (f"guarded_step(W {shape_str(W.shape)}, dW "
                 f"{shape_str(dW.shape)}, lr={lr})")
        if kind == "right":
            try:
                out = guarded_step(W, dW.copy(), lr)
            except ValueError as err:
                raise ExerciseError(f"{where} refused gradients of the "
                                    f"right shape: {err}") from None
            want = W0 - lr * dW
            if out is not W:
                raise ExerciseError(
                    f"{where}: returned a new array instead of W itself; "
                    "update W in place (W -= lr * dW) and return it, as "
                    "Network.step updates the layer's own parameters")
            if not np.allclose(W, want, rtol=1e-12, atol=1e-12):
                raise ExerciseError(
                    f"{where}: the shapes match but W holds the wrong "
                    "values afterwards; expected W - lr * dW")
            continue
        try:
            guarded_step(W, dW.copy(), lr)
        except ValueError as err:
            text = str(err)
            for shape in (dW.shape, W0.shape):
                if shape_str(shape) not in text:
                    raise ExerciseError(
                        f"{where} raised, but its message does not name "
                        f"the shape {shape_str(shape)}: '{text}'. Name "
                        "both shapes so the reader knows what to fix"
                    ) from None
            if not np.array_equal(W, W0):
                raise ExerciseError(f"{where} raised, but only after "
                                    "changing W; check the shapes before "
                                    "updating") from None
            continue
        rows = ("every row got the same update"
                if dW.ndim == 1 or dW.shape[0] == 1
                else "every entry of a row got the same update")
        raise ExerciseError(
            f"{where} let the gradient through: numpy broadcast it onto "
            f"W and {rows}. Compare dW.shape with W.shape and raise "
            "ShapeError when they differ")
    success("guarded_step() updates in place and refuses every "
            "misshapen gradient, naming both shapes")
