"""Checkers of lesson 02: each accepts the right answer, names the
mistake in a wrong one, and says when nothing was attempted."""

import numpy as np
import pytest

from backprop_lessons import ShapeError
from backprop_lessons.exercises import ExerciseError, lesson02


def shapes(n_in, n_out):
    return {"weights": (n_out, n_in + 1), "inputs": (n_in + 1,),
            "outputs": (n_out,), "error_grad": (n_out,),
            "dout_dw": (n_out, n_in + 1), "derror_dw": (n_in + 1,),
            "dout_din": (n_out, n_in)}


def test_learner_shapes_are_measured_from_the_learner_layer():
    got = lesson02.learner_shapes(3, 4)
    assert got == shapes(3, 4)
    assert set(got) == set(lesson02.NAMES)


def test_predict_shapes_accepts_the_right_answer(capsys):
    lesson02.check_predict_shapes(shapes)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_predict_shapes_not_attempted(capsys):
    lesson02.check_predict_shapes(lambda n_in, n_out: None)
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("change, message", [
    ({"derror_dw": lambda i, o: (o, i + 1)},
     r"derror_dw of shape \(2, 3\), the learner's code gives \(3,\): "
     "that is the shape it should have"),
    ({"dout_dw": lambda i, o: (o, o, i + 1)},
     r"dout_dw .* shape of the true Jacobian"),
    ({"inputs": lambda i, o: (i,)},
     r"inputs of shape \(2,\), the learner's code gives \(3,\)"),
    ({"dout_din": lambda i, o: (o, i + 1) if o > 2 else (o, i)},
     r"predict_shapes\(3, 4\) .* dout_din of shape \(4, 4\)"),
    ({"outputs": lambda i, o: "two"}, "should be a shape tuple"),
])
def test_predict_shapes_names_the_wrong_entry(change, message):
    def wrong(n_in, n_out):
        out = shapes(n_in, n_out)
        for name, fn in change.items():
            out[name] = fn(n_in, n_out)
        return out
    with pytest.raises(ExerciseError, match=message):
        lesson02.check_predict_shapes(wrong)


def test_predict_shapes_missing_entry():
    def wrong(n_in, n_out):
        out = shapes(n_in, n_out)
        del out["error_grad"]
        return out
    with pytest.raises(ExerciseError, match="no entry for error_grad"):
        lesson02.check_predict_shapes(wrong)


def guarded(W, dW, lr):
    if dW.shape != W.shape:
        raise ShapeError(f"gradient {dW.shape}, parameter {W.shape}")
    W -= lr * dW
    return W


def test_guarded_step_accepts_the_right_answer(capsys):
    lesson02.check_guarded_step(guarded)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_guarded_step_not_attempted(capsys):
    lesson02.check_guarded_step(lambda W, dW, lr: None)
    assert "not attempted" in capsys.readouterr().out


def no_guard(W, dW, lr):
    W -= lr * dW
    return W


def guard_after_update(W, dW, lr):
    W -= lr * dW
    if dW.shape != W.shape:
        raise ShapeError(f"gradient {dW.shape}, parameter {W.shape}")
    return W


def vague_message(W, dW, lr):
    if dW.shape != W.shape:
        raise ShapeError("wrong shape")
    W -= lr * dW
    return W


def ndim_only(W, dW, lr):
    if dW.ndim != W.ndim:
        raise ShapeError(f"gradient {dW.shape}, parameter {W.shape}")
    W -= lr * dW
    return W


def new_array(W, dW, lr):
    if dW.shape != W.shape:
        raise ShapeError(f"gradient {dW.shape}, parameter {W.shape}")
    return W - lr * dW


def no_return(W, dW, lr):
    W -= lr * dW


def refuses_everything(W, dW, lr):
    raise ShapeError(f"gradient {dW.shape}, parameter {W.shape}")


@pytest.mark.parametrize("wrong, message", [
    (no_guard, r"dW \(3,\).* let the gradient through.*same update"),
    (guard_after_update, "only after changing W"),
    (vague_message, r"does not name the shape \(3,\)"),
    (ndim_only, r"dW \(1, 3\).* let the gradient through"),
    (new_array, "returned a new array"),
    (no_return, "returned None; end with return W"),
    (refuses_everything, "refused gradients of the right shape"),
])
def test_guarded_step_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson02.check_guarded_step(wrong)


def test_guarded_step_checker_leaves_no_trace_on_numpy_state():
    before = np.random.get_state()[1].copy()
    lesson02.check_guarded_step(guarded)
    assert np.array_equal(np.random.get_state()[1], before)
