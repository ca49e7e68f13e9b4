"""course_lib.plots: every helper returns a Figure and rejects wrongly shaped input in words."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_lib import plots  # noqa: E402


def images_drawn(fig):
    return sum(len(ax.images) for ax in fig.axes)


def test_plot_history_from_dict_and_history_object():
    logs = {
        "loss": [1.0, 0.5, 0.3],
        "accuracy": [0.6, 0.8, 0.9],
        "val_loss": [1.1, 0.6, 0.4],
        "val_accuracy": [0.5, 0.7, 0.85],
    }
    fig = plots.plot_history(logs)
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert all(len(ax.lines) == 2 for ax in fig.axes)

    class FakeHistory:
        history = {"loss": [1.0, 0.5]}

    fig = plots.plot_history(FakeHistory())
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1


def test_plot_history_rejects_non_history():
    with pytest.raises(ValueError, match="History or a non-empty dict"):
        plots.plot_history([0.1, 0.2])


def test_plot_image_grid_draws_one_image_per_input():
    images = np.random.default_rng(0).random((10, 28, 28))
    fig = plots.plot_image_grid(images, labels=list(range(10)), ncols=4, title="digits")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 12  # 3 rows x 4 columns, two left empty
    assert images_drawn(fig) == 10
    assert fig.axes[3].get_title() == "3"
    fig = plots.plot_image_grid(images[:3, :, :, None])  # a channel axis of 1 is fine
    assert images_drawn(fig) == 3


@pytest.mark.parametrize("shape", [(28, 28), (2, 28, 28, 3)])
def test_plot_image_grid_rejects_wrong_shape(shape):
    with pytest.raises(ValueError, match=r"expected images of shape \(n, height, width\)"):
        plots.plot_image_grid(np.zeros(shape))


def test_plot_image_grid_rejects_wrong_label_count():
    with pytest.raises(ValueError, match="expected 3 labels"):
        plots.plot_image_grid(np.zeros((3, 8, 8)), labels=[1, 2])


def test_plot_filters_draws_each_filter():
    kernel = np.random.default_rng(0).normal(size=(3, 3, 1, 12))
    fig = plots.plot_filters(kernel)
    assert isinstance(fig, Figure)
    assert images_drawn(fig) == 12
    assert images_drawn(plots.plot_filters(np.eye(3))) == 1


def test_plot_filters_rejects_wrong_shape():
    with pytest.raises(ValueError, match=r"\(kernel_h, kernel_w, in_channels, filters\)"):
        plots.plot_filters(np.zeros((3, 3, 8)))


def test_plot_feature_maps_accepts_batch_of_one_and_caps_maps():
    maps = np.random.default_rng(0).random((1, 26, 26, 32))
    fig = plots.plot_feature_maps(maps, max_maps=16)
    assert isinstance(fig, Figure)
    assert images_drawn(fig) == 16
    assert images_drawn(plots.plot_feature_maps(maps[0, :, :, :5])) == 5


@pytest.mark.parametrize("shape", [(26, 26), (2, 26, 26, 4)])
def test_plot_feature_maps_rejects_wrong_shape(shape):
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        plots.plot_feature_maps(np.zeros(shape))


def test_confusion_counts_rows_are_true_class():
    counts = plots.confusion_counts([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], num_classes=3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 0], [1, 0, 1]])


def test_plot_confusion_matrix_writes_counts_in_cells():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 2, 0])
    fig = plots.plot_confusion_matrix(y_true, y_pred, class_names=["a", "b", "c"])
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1 and images_drawn(fig) == 1
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["1", "1", "1", "1", "2"]  # zero cells stay empty


def test_plot_confusion_matrix_rejects_probabilities():
    with pytest.raises(ValueError, match=r"expected y_pred of shape \(n,\)"):
        plots.plot_confusion_matrix([0, 1], np.eye(2))
