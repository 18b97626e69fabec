"""The course's figures: built without pyplot, sized, labelled, and
drawing the numbers they are given.

Each test draws from real training runs or gradients and then reads
the artists back, so a figure that looks right but shows the wrong data
fails.
"""

import subprocess
import sys
from types import SimpleNamespace

import matplotlib.style
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from backprop_lessons import (Analytic, CentralDifference, ColumnDifference,
                              Dense, InputError, Network, checks, data, plots,
                              question, train)


def _xor_net(seed=0, derivative=None, strict=True):
    rng = np.random.default_rng(seed)
    return Network([Dense(2, 4, "tanh", derivative=derivative, rng=rng),
                    Dense(4, 1, "sigmoid", derivative=derivative,
                          rng=rng)], strict=strict)


def _trained(task="xor", lr=1.0, epochs=200):
    dataset = data.load(task)
    rng = np.random.default_rng(0)
    net = Network([Dense(2, 4, "tanh", rng=rng),
                   Dense(4, dataset.Y.shape[1], "sigmoid", rng=rng)])
    history = train(net, *dataset, epochs=epochs, lr=lr,
                    batch_size=len(dataset))
    return net, dataset, history


def _check_common(fig, size):
    """Fixed size, a title, labelled axes, an opaque white background."""
    assert isinstance(fig, Figure)
    assert tuple(fig.get_size_inches()) == pytest.approx(size)
    assert fig.get_suptitle() or any(ax.get_title() for ax in fig.axes)
    main = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert main
    for ax in main:
        if ax.axison:
            assert ax.get_xlabel(), ax
    assert any(ax.get_ylabel() for ax in main)
    assert to_rgba(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
    png = plots.to_png(fig)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_figures_are_built_without_pyplot():
    code = (
        "import sys\n"
        "from backprop_lessons import data, plots, widgets\n"
        "h = widgets.compute(epochs=50).history\n"
        "plots.to_png(plots.loss_curves([h]))\n"
        "widgets.draw(widgets.compute(epochs=50))\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_loss_curves_overlays_runs_on_a_log_scale():
    runs = [_trained(lr=lr, epochs=n)[2]
            for lr, n in ((0.1, 50), (1.0, 80))]
    fig = plots.loss_curves(runs, labels=["slow", "fast"])
    _check_common(fig, (6.4, 4.0))
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    lines = [line for line in ax.get_lines() if line.get_label() in
             ("slow", "fast")]
    assert [line.get_label() for line in lines] == ["slow", "fast"]
    for line, history in zip(lines, runs):
        np.testing.assert_array_equal(line.get_ydata(), history.loss)
        assert len(line.get_xdata()) == history.epochs_run + 1
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["slow", "fast"]


def test_loss_curves_marks_divergence_and_skips_what_a_log_axis_cannot():
    loss = np.array([1.0, 2.0, 0.0, 50.0, np.inf])
    fig = plots.loss_curves(loss, labels="run")
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), [0, 1, 3])
    np.testing.assert_array_equal(line.get_ydata(), [1.0, 2.0, 50.0])
    assert "diverged at epoch 4" in line.get_label()
    cross = ax.get_lines()[1]
    assert cross.get_xdata().tolist() == [3]
    low, high = ax.get_ylim()
    assert low < 1.0 and high > 50.0


def test_loss_curves_accepts_a_history_and_labels_it_by_lr():
    history = _trained(lr=0.5, epochs=20)[2]
    fig = plots.loss_curves(history)
    assert fig.axes[0].get_lines()[0].get_label() == "lr = 0.5"


def test_loss_curves_says_so_when_nothing_can_be_drawn():
    fig = plots.loss_curves([np.array([np.nan, np.nan])], labels=["bad"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "no finite, positive loss to plot" in texts


def test_loss_curves_rejects_mismatched_labels():
    with pytest.raises(InputError, match="2 loss histories .* 1"):
        plots.loss_curves([np.ones(3), np.ones(4)], labels=["one"])


@pytest.mark.parametrize("task", ["xor", "and+or", "half-adder", "moons",
                                  "circles", "spirals"])
def test_decision_boundary_has_one_panel_per_output(task):
    net, dataset, _ = _trained(task, epochs=30)
    fig = plots.decision_boundary(net, *dataset, outputs=dataset.outputs)
    n_out = dataset.Y.shape[1]
    _check_common(fig, (3.2 * n_out + 0.8, 3.6))
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == n_out
    assert [ax.get_title() for ax in panels] == list(dataset.outputs)
    extent, field = plots.output_field(net, dataset.X)
    for k, ax in enumerate(panels):
        np.testing.assert_allclose(ax.images[0].get_array(),
                                   field[:, :, k])
        # Every training point is drawn, split by its target.
        offsets = np.vstack([c.get_offsets() for c in ax.collections
                             if c.get_label().startswith("target")])
        assert len(offsets) == len(dataset)
        assert sorted(map(tuple, offsets)) == sorted(map(tuple, dataset.X))


def test_output_field_is_the_network_on_a_grid_around_the_data():
    net, dataset, _ = _trained("moons", epochs=10)
    extent, field = plots.output_field(net, dataset.X, resolution=7)
    assert field.shape == (7, 7, 1)
    x_min, x_max, y_min, y_max = extent
    assert x_min < dataset.X[:, 0].min() and x_max > dataset.X[:, 0].max()
    assert y_min < dataset.X[:, 1].min() and y_max > dataset.X[:, 1].max()
    # Row i is the i-th y, column j the j-th x.
    corner = net.predict(np.array([[x_max, y_min]]))
    np.testing.assert_allclose(field[0, -1], corner[0])


def test_decision_boundary_of_the_learners_network():
    X, Y = data.gate("and+or")
    nn = question.NN([question.Layer(2, 2, rng=0)])
    question.train(nn, 50, X, Y)
    fig = plots.decision_boundary(nn, X, Y, resolution=9)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 2
    extent = plots.output_field(nn, X, resolution=9)[0]
    corner = nn.forward(np.array([extent[0], extent[2]]))
    for k, ax in enumerate(panels):
        assert ax.images[0].get_array()[0, 0] == corner[k]


def test_decision_boundary_of_a_diverged_network_says_so():
    net, dataset, _ = _trained(epochs=5)
    net.layers[0].params["W"][:] = np.nan
    fig = plots.decision_boundary(net, *dataset)
    ax = fig.axes[0]
    assert not ax.images[0].get_visible()
    assert any("not finite" in t.get_text() for t in ax.texts)


def test_decision_boundary_names_wrong_shapes():
    net, dataset, _ = _trained(epochs=5)
    with pytest.raises(InputError, match=r"\(N, 2\), got \(4, 3\)"):
        plots.decision_boundary(net, np.ones((4, 3)), dataset.Y)
    with pytest.raises(InputError, match="1 outputs but Y has 2"):
        plots.decision_boundary(net, dataset.X, np.ones((4, 2)))


def _report(derivative, strict=True):
    """gradcheck of one and+or layer whose derivatives come from
    ``derivative``."""
    X, Y = data.gate("and+or")
    rng = np.random.default_rng(3)
    net = Network([Dense(2, 2, "sigmoid", derivative=derivative,
                         rng=rng)], strict=strict)
    return checks.gradcheck(net, X, Y)


def test_gradient_comparison_shows_both_gradients_and_their_difference():
    report = _report(Analytic())
    row = report.rows[0]
    assert row.ok
    fig = plots.gradient_comparison(report)
    _check_common(fig, (10.0, 2.4 + 0.5))
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 3
    backprop, numeric, diff = (ax.images[0].get_array() for ax in panels)
    np.testing.assert_array_equal(backprop, row.backprop)
    np.testing.assert_array_equal(numeric, row.numeric)
    np.testing.assert_allclose(diff, row.backprop - row.numeric)
    assert panels[2].get_title().endswith("(ok)")
    # One colour scale for backprop and numeric, so equal looks equal.
    assert panels[0].images[0].get_clim() == panels[1].images[0].get_clim()


def test_gradient_comparison_has_one_row_per_parameter():
    X, Y = data.gate("xor")
    report = checks.gradcheck(_xor_net(), X, Y)
    fig = plots.gradient_comparison(report)
    assert tuple(fig.get_size_inches()) == pytest.approx((10.0, 5.3))
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[0] == "layer 0, W (4, 3): backprop"
    assert "layer 1, W (1, 5): backprop" in titles


def test_gradient_comparison_says_when_shapes_differ():
    report = _report(ColumnDifference(), strict=False)
    assert report.rows[0].backprop.shape == (3,)
    fig = plots.gradient_comparison(report)
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "shapes differ" in texts
    assert "backprop (3,)" in texts and "numeric (2, 3)" in texts
    assert any("(WRONG SHAPE)" in ax.get_title() for ax in fig.axes)


def test_gradient_comparison_without_a_backprop_gradient():
    report = _report(Analytic())
    report.rows[0].backprop = None
    fig = plots.gradient_comparison(report)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "no backprop gradient" in texts


def test_gradient_comparison_refuses_an_empty_report():
    with pytest.raises(InputError, match="no rows"):
        plots.gradient_comparison(SimpleNamespace(rows=[]))


def _snapshots(derivative, strict):
    X, Y = data.gate("and+or")
    rng = np.random.default_rng(1)
    net = Network([Dense(2, 2, "sigmoid", derivative=derivative,
                         rng=rng)], strict=strict)
    weights = []
    train(net, X, Y, epochs=100, lr=1.0,
          callback=lambda epoch, n: weights.append(
              n.layers[0].params["W"].copy()))
    return np.array(weights)


def test_row_drift_is_flat_under_the_learners_rule_only():
    learner = _snapshots(ColumnDifference(), strict=False)
    correct = _snapshots(CentralDifference(), strict=True)
    fig = plots.row_drift([learner, correct],
                          labels=["learner's rule", "correct"])
    _check_common(fig, (8.5, 3.6))
    flat, moving = fig.axes[:2]
    for ax, W in ((flat, learner), (moving, correct)):
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == [
            "bias", "weight 1", "weight 2"]
        for j, line in enumerate(lines):
            np.testing.assert_array_equal(line.get_ydata(),
                                          W[:, 0, j] - W[:, 1, j])
    change = np.abs((learner[:, 0] - learner[:, 1])
                    - (learner[0, 0] - learner[0, 1])).max()
    assert change < 1e-12
    assert "learner's rule" in flat.get_title()
    flat_change = float(flat.get_title().split("largest change ")[1])
    moving_change = float(moving.get_title().split("largest change ")[1])
    assert flat_change < 1e-12 < 0.1 < moving_change


def test_row_drift_takes_one_run_as_a_list_of_matrices():
    W = _snapshots(Analytic(), strict=True)
    fig = plots.row_drift(list(W))
    assert len([ax for ax in fig.axes if ax.get_lines()]) == 1


def test_row_drift_names_a_bad_shape():
    with pytest.raises(InputError, match=r"\(T, R, C\).*\(5, 1, 3\)"):
        plots.row_drift(np.zeros((5, 1, 3)))


def test_step_size_curve_is_log_log_and_marks_the_best_step():
    X, Y = data.gate("and+or")
    net = Network([Dense(2, 2, "sigmoid", rng=np.random.default_rng(0))])
    sweep = checks.step_size_sweep(net, X, Y)
    fig = plots.step_size_curve(sweep)
    _check_common(fig, (6.4, 4.0))
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    central = ax.get_lines()[0]
    assert central.get_label() == "central differences"
    np.testing.assert_array_equal(central.get_ydata(), sweep.central)
    np.testing.assert_array_equal(central.get_xdata(), sweep.steps)
    notes = [t.get_text() for t in ax.texts]
    assert notes[0] == f"h = {sweep.best_step:.0e}"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "central differences"
    assert labels[1].startswith("complex step")


def test_step_size_curve_counts_exact_zeros():
    sweep = SimpleNamespace(steps=np.array([1e-3, 1e-2]),
                            errors=np.array([[0.0, 1e-5]]),
                            methods=["complex step"])
    fig = plots.step_size_curve(sweep)
    line = fig.axes[0].get_lines()[0]
    assert line.get_label() == "complex step (exactly 0 at 1)"
    assert line.get_ydata().tolist() == [1e-5]


def test_figures_keep_dark_text_on_white_under_a_dark_style():
    net, dataset, history = _trained(epochs=10)
    with matplotlib.style.context("dark_background"):
        figs = [plots.loss_curves(history),
                plots.decision_boundary(net, *dataset)]
    for fig in figs:
        assert to_rgba(fig.get_facecolor()) == (1, 1, 1, 1)
        for ax in fig.axes:
            assert to_rgba(ax.xaxis.label.get_color()) == (0, 0, 0, 1)
            for tick in ax.get_yticklabels():
                assert to_rgba(tick.get_color()) == (0, 0, 0, 1)
        title = fig.get_suptitle() and fig._suptitle or fig.axes[0].title
        assert to_rgba(title.get_color()) == (0, 0, 0, 1)
