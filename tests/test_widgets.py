"""The explorer: its pure compute and draw functions, tested directly,
and its wiring, tested headless by setting control values."""

import io
import itertools
import warnings

import ipywidgets
import numpy as np
import pytest
from PIL import Image

from backprop_lessons import data, widgets
from backprop_lessons.activations import ACTIVATIONS
from backprop_lessons.derivatives import STRATEGIES
from backprop_lessons.widgets import Settings, compute, draw, explorer

PNG = b"\x89PNG\r\n\x1a\n"


def _pixels(png):
    assert png.startswith(PNG)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _readable(png):
    """A picture of the promised size with something drawn on it."""
    pixels = _pixels(png)
    assert pixels.shape == (widgets.IMAGE_SIZE[1], widgets.IMAGE_SIZE[0], 3)
    dark = (pixels.sum(axis=2) < 200).mean()
    assert dark > 0.002, "the picture is blank"
    return pixels


def test_compute_is_deterministic():
    first = compute(task="moons", width=3, epochs=60, seed=5)
    second = compute(Settings(task="moons", width=3, epochs=60, seed=5))
    np.testing.assert_array_equal(first.history.loss, second.history.loss)
    np.testing.assert_array_equal(first.field, second.field)
    assert first.status == second.status
    assert compute(seed=6, epochs=60).history.loss[0] != \
        compute(seed=5, epochs=60).history.loss[0]


def test_defaults_learn_xor():
    result = compute()
    assert result.settings == Settings()
    assert result.error is None
    assert result.history.accuracy(result.dataset.Y) == 1.0
    assert result.status.startswith("final loss ")
    assert "accuracy 100% after 500 epochs" in result.status
    assert result.field.shape[2] == 1


def test_compute_trains_the_documented_network():
    result = compute(task="half-adder", width=7, activation="sigmoid",
                     derivative="central", epochs=50, seed=2)
    net = widgets.build_network(result.settings, 2)
    hidden, output = net.layers
    assert (hidden.n_in, hidden.n_out, output.n_out) == (2, 7, 2)
    for layer in (hidden, output):
        assert layer.activation.name == "sigmoid"
        assert type(layer.derivative) is STRATEGIES["central"]
    assert net.strict
    learner = widgets.build_network(Settings(derivative="learner"), 1)
    assert not learner.strict
    # Full batch: one step per epoch on the whole data set.
    assert result.history.batch_size == len(result.dataset)
    assert result.history.epochs_run == 50


def test_draw_gives_the_same_bytes_for_the_same_result():
    a = compute(epochs=100)
    b = compute(task="and+or", epochs=100, lr=3.0)
    first = draw(a)
    other = draw(b)
    assert draw(a) == first
    assert other != first
    _readable(first)
    _readable(other)


def test_learning_rate_changes_the_picture():
    slow = draw(compute(lr=0.01))
    fast = draw(compute(lr=3.0))
    assert (_pixels(slow) != _pixels(fast)).any(axis=2).mean() > 0.01


def test_a_divergent_learning_rate_gives_a_message_and_a_picture():
    result = compute(activation="identity", lr=100.0)
    assert result.history.diverged
    k = result.history.diverged_at
    assert result.status.startswith(f"diverged at epoch {k}")
    assert "try a smaller one" in result.status
    _readable(draw(result))


def test_a_learning_rate_that_saturates_is_reported_as_it_is():
    result = compute(activation="sigmoid", lr=100.0)
    assert not result.history.diverged
    assert result.status.startswith("final loss ")
    _readable(draw(result))


@pytest.mark.parametrize("changes", [
    {"width": 1},
    {"epochs": 5000},
    {"width": 16, "task": "spirals", "lr": 1e-3},
    {"derivative": "learner", "task": "and+or"},
])
def test_edge_settings_give_a_readable_picture(changes):
    result = compute(**changes)
    assert result.error is None
    assert result.history.epochs_run == result.settings.epochs
    _readable(draw(result))


def test_an_impossible_combination_is_a_message_not_a_traceback():
    result = compute(activation="relu", derivative="complex-step")
    assert result.history is None
    assert result.status.startswith("cannot train this network: ")
    assert "relu" in result.status
    _readable(draw(result))


def test_every_menu_combination_computes_without_raising():
    for task, activation, derivative in itertools.product(
            data.TASKS, ACTIVATIONS, STRATEGIES):
        result = compute(task=task, activation=activation,
                         derivative=derivative, width=2, epochs=3)
        assert result.status, (task, activation, derivative)
        assert (result.error is None) == (result.history is not None)


def test_controls_name_what_they_set():
    box = explorer()
    controls = box.controls
    assert set(controls) == {f.name for f in
                             widgets.dataclasses.fields(Settings)}
    assert isinstance(controls["lr"], ipywidgets.FloatLogSlider)
    assert controls["lr"].description == "learning rate"
    assert isinstance(controls["width"], ipywidgets.IntSlider)
    assert controls["width"].description == "hidden width"
    assert (controls["width"].min, controls["width"].max) == (1, 16)
    assert list(controls["task"].options) == list(data.TASKS)
    menu = dict(controls["derivative"].options)
    assert menu["learner's rule"] == "learner"
    assert set(menu.values()) == set(STRATEGIES)
    assert box.image.layout.width == f"{widgets.IMAGE_SIZE[0]}px"
    assert box.image.layout.height == f"{widgets.IMAGE_SIZE[1]}px"
    assert box.image.format == "png"


def test_explorer_starts_from_its_defaults():
    box = explorer(task="and+or", derivative="learner", width=3)
    assert box.settings == Settings(task="and+or", derivative="learner",
                                    width=3)
    assert box.result.settings == box.settings
    assert box.image.value == draw(box.result)
    assert box.status.value == box.result.status
    assert repr(box) == f"Explorer({box.settings!r})"


@pytest.mark.parametrize("name, value", [("lr", 10.0), ("width", 9),
                                         ("epochs", 150), ("seed", 3),
                                         ("task", "circles"),
                                         ("activation", "sigmoid"),
                                         ("derivative", "central")])
def test_moving_a_control_redraws(name, value):
    box = explorer(epochs=100)
    before = box.image.value
    box.controls[name].value = value
    assert getattr(box.result.settings, name) == value
    assert box.image.value != before
    assert box.image.value == draw(compute(box.settings))
    assert box.status.value == box.result.status


def test_an_update_shows_progress_then_the_result(capsys):
    box = explorer(epochs=100)
    seen = []
    box.status.observe(lambda change: seen.append(change["new"]),
                       names="value")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        box.controls["activation"].value = "identity"
        box.controls["lr"].value = 100.0
    assert seen[0].startswith("training 100 epochs at learning rate 1")
    assert seen[-1] == box.status.value
    assert box.status.value.startswith("diverged at epoch ")
    # Nothing printed: output from a callback would leak into the cell.
    assert capsys.readouterr() == ("", "")
