"""Data made in the repository: gates and seeded point sets."""

import numpy as np
import pytest

from backprop_lessons import InputError, data

INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]


@pytest.mark.parametrize("name, outputs, targets", [
    ("and", ("AND",), [[0], [0], [0], [1]]),
    ("or", ("OR",), [[0], [1], [1], [1]]),
    ("xor", ("XOR",), [[0], [1], [1], [0]]),
    ("and+or", ("AND", "OR"), [[0, 0], [0, 1], [0, 1], [1, 1]]),
    ("half-adder", ("sum", "carry"), [[0, 0], [1, 0], [1, 0], [0, 1]]),
])
def test_gates(name, outputs, targets):
    dataset = data.gate(name)
    X, Y = dataset
    np.testing.assert_array_equal(X, INPUTS)
    np.testing.assert_array_equal(Y, targets)
    assert X.dtype == Y.dtype == np.float64
    assert dataset.outputs == outputs and dataset.name == name
    assert len(dataset) == 4
    # The columns of a two-output gate are the one-output gates.
    if name == "and+or":
        np.testing.assert_array_equal(Y[:, :1], data.gate("and").Y)
        np.testing.assert_array_equal(Y[:, 1:], data.gate("or").Y)
    if name == "half-adder":
        np.testing.assert_array_equal(Y[:, :1], data.gate("xor").Y)
        np.testing.assert_array_equal(Y[:, 1:], data.gate("and").Y)


def test_gate_names_ignore_case_and_copies_are_fresh():
    a = data.gate("AND")
    a.X[0, 0] = 9.0
    assert data.gate("and").X[0, 0] == 0.0


@pytest.mark.parametrize("loader", [data.moons, data.circles, data.spirals])
def test_point_sets_are_seeded(loader):
    a, b, c = loader(seed=3), loader(seed=3), loader(seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape == (100, 2) and a.Y.shape == (100, 1)
    assert sorted(np.unique(a.Y)) == [0.0, 1.0]
    assert a.Y.sum() == 50
    assert a.outputs == ("class",)


@pytest.mark.parametrize("loader", [data.moons, data.circles, data.spirals])
def test_odd_sizes_and_no_noise(loader):
    dataset = loader(n=7, noise=0.0, seed=0)
    assert dataset.X.shape == (7, 2)
    assert dataset.Y.sum() == 4
    assert np.isfinite(dataset.X).all()


def test_point_sets_have_their_shapes():
    X, Y = data.circles(n=200, noise=0.0, factor=0.4, seed=1)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[Y[:, 0] == 0], 1.0)
    np.testing.assert_allclose(radius[Y[:, 0] == 1], 0.4)
    X, Y = data.spirals(n=200, noise=0.0, seed=1)
    # Each arm's radius grows from 0 to 1 with its angle.
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() <= 1.0 + 1e-12 and radius.max() > 0.9
    X, Y = data.moons(n=200, noise=0.0, seed=1)
    upper = X[Y[:, 0] == 0]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)


def test_load_knows_every_task():
    assert set(data.TASKS) == {"and", "or", "xor", "and+or", "half-adder",
                               "moons", "circles", "spirals"}
    for name in data.TASKS:
        assert data.load(name).name == name
    np.testing.assert_array_equal(data.load("moons", n=10, seed=2).X,
                                  data.moons(n=10, seed=2).X)


@pytest.mark.parametrize("call, where, pieces", [
    (lambda: data.gate("nand"), "unknown gate 'nand'", ["half-adder"]),
    (lambda: data.load("mnist"), "unknown task 'mnist'", ["spirals"]),
    (lambda: data.load("and", noise=0.1), "gate 'and'",
     ["takes no options", "['noise']"]),
    (lambda: data.load("moons", colour=1), "moons: ",
     ["unknown options ['colour']", "'noise'"]),
    (lambda: data.moons(n=1), "moons: ", ["integer >= 2", "got 1"]),
    (lambda: data.moons(n=True), "moons: ", ["integer >= 2", "got True"]),
    (lambda: data.circles(noise=-0.1), "circles: ",
     ["noise must be a finite number >= 0", "got -0.1"]),
    (lambda: data.spirals(noise="a lot"), "spirals: ",
     ["noise must be a finite number", "'a lot'"]),
    (lambda: data.circles(factor=1.5), "circles: ",
     ["factor must be between 0 and 1", "got 1.5"]),
    (lambda: data.spirals(turns=0), "spirals: ",
     ["turns must be a positive", "got 0"]),
    (lambda: data.moons(seed="x"), "moons: ",
     ["seed must be None, an integer >= 0", "'x'"]),
])
def test_bad_arguments(call, where, pieces):
    with pytest.raises(InputError) as err:
        call()
    msg = str(err.value)
    assert msg.startswith(where), msg
    for piece in pieces:
        assert piece in msg, msg
