"""Figures the labs draw: training curves, image grids, filters, feature maps, confusions.

Every function returns a :class:`matplotlib.figure.Figure` and never calls
``plt.show()``: in a notebook, a figure returned at the end of a cell displays
itself; in a script, call ``fig.savefig(...)``. Introduced in lab 01 (CNNs).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def _close_from_pyplot(fig: Figure) -> Figure:
    """Detach ``fig`` from pyplot's list of open figures, so a notebook shows it once.

    The figure stays fully usable: it displays as the value of a cell and can be saved.
    """
    plt.close(fig)
    return fig


def _grid(n: int, ncols: int) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


def plot_history(history) -> Figure:
    """Loss and accuracy per epoch, training vs validation. Introduced in lab 01 (CNNs).

    ``history`` is the ``History`` object ``model.fit`` returns, or its ``.history``
    dict (``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``). Any metric
    other than the loss gets its own panel; ``val_`` curves share their metric's panel.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(
            "plot_history: expected a keras History or a non-empty dict of per-epoch "
            f"lists like {{'loss': [...]}}, got {type(logs).__name__}"
        )
    metrics = [k for k in logs if not k.startswith("val_")]
    metrics += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in metrics]
    metrics.sort(key=lambda k: (k != "loss", k))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        for key, label, style in ((metric, "train", "-o"), ("val_" + metric, "validation", "-s")):
            if key in logs:
                values = np.asarray(logs[key], dtype=float)
                ax.plot(np.arange(1, len(values) + 1), values, style, label=label, markersize=3)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return _close_from_pyplot(fig)


def plot_image_grid(images, labels=None, ncols: int = 8, title: str | None = None) -> Figure:
    """A grid of grayscale images, each titled with its label. Introduced in lab 01 (CNNs).

    ``images`` has shape (n, h, w) or (n, h, w, 1). ``labels`` is optional: one label
    per image (a number or a string such as ``"pred 3 / true 5"``).
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(
            "plot_image_grid: expected images of shape (n, height, width) or "
            f"(n, height, width, 1), got shape {images.shape}"
        )
    n = len(images)
    if n == 0:
        raise ValueError("plot_image_grid: expected at least one image, got 0")
    if labels is not None and len(labels) != n:
        raise ValueError(f"plot_image_grid: expected {n} labels (one per image), got {len(labels)}")
    nrows, ncols = _grid(n, ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.5 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap="gray_r")
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _close_from_pyplot(fig)


def plot_filters(kernel, ncols: int = 8) -> Figure:
    """Each filter of a Conv2D kernel as a small image. Introduced in lab 01 (CNNs).

    ``kernel`` has the shape Keras uses, (kernel_h, kernel_w, in_channels, filters),
    e.g. ``model.layers[0].get_weights()[0]``; a single filter of shape (kh, kw) is
    accepted too. Only the first input channel is shown. Blue is negative, red is
    positive, white is zero, on a scale symmetric around zero shared by all filters.
    """
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim == 2:
        kernel = kernel[:, :, None, None]
    if kernel.ndim != 4:
        raise ValueError(
            "plot_filters: expected a Conv2D kernel of shape "
            f"(kernel_h, kernel_w, in_channels, filters), got shape {kernel.shape}"
        )
    filters = kernel[:, :, 0, :]
    n = filters.shape[-1]
    limit = float(np.max(np.abs(filters))) or 1.0
    nrows, ncols = _grid(n, ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.2 * ncols, 1.3 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(filters[:, :, i], cmap="bwr", vmin=-limit, vmax=limit)
            ax.set_title(f"filter {i}", fontsize=8)
    fig.suptitle(f"{n} filters of size {kernel.shape[0]}x{kernel.shape[1]}")
    fig.tight_layout()
    return _close_from_pyplot(fig)


def plot_feature_maps(feature_maps, max_maps: int = 16, ncols: int = 8) -> Figure:
    """The first ``max_maps`` channels of a layer's output for one input.

    Introduced in lab 01 (CNNs).

    ``feature_maps`` has shape (height, width, channels), or (1, height, width,
    channels) as a model returns it for a batch of one image.
    """
    maps = np.asarray(feature_maps, dtype=float)
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3:
        raise ValueError(
            "plot_feature_maps: expected activations of shape (height, width, channels) "
            f"or (1, height, width, channels), got shape {maps.shape}"
        )
    n = min(maps.shape[-1], max_maps)
    if n < 1:
        raise ValueError(f"plot_feature_maps: max_maps must be at least 1, got {max_maps}")
    nrows, ncols = _grid(n, ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.4 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(maps[:, :, i], cmap="viridis")
            ax.set_title(f"map {i}", fontsize=8)
    fig.suptitle(f"{n} of {maps.shape[-1]} feature maps, each {maps.shape[0]}x{maps.shape[1]}")
    fig.tight_layout()
    return _close_from_pyplot(fig)


def confusion_counts(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """The confusion matrix as integer counts: row = true class, column = predicted class."""
    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = np.asarray(y_pred).astype(int).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"confusion_counts: expected y_true and y_pred of the same length, got "
            f"{len(y_true)} and {len(y_pred)}"
        )
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    counts = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def plot_confusion_matrix(y_true, y_pred, class_names=None) -> Figure:
    """Counts of (true class, predicted class) pairs, numbers in the cells.

    Introduced in lab 01 (CNNs).

    ``y_true`` and ``y_pred`` are 1-D integer class labels of equal length (take
    ``probabilities.argmax(axis=1)`` for predictions). Rows are the true class,
    columns the predicted one; the diagonal holds the correct answers.
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.ndim != 1:
            raise ValueError(
                f"plot_confusion_matrix: expected {name} of shape (n,) holding class labels, "
                f"got shape {y.shape} (for probabilities use .argmax(axis=1))"
            )
    num_classes = None if class_names is None else len(class_names)
    counts = confusion_counts(y_true, y_pred, num_classes)
    k = counts.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    fig, ax = plt.subplots(figsize=(0.55 * k + 2, 0.55 * k + 1.5))
    ax.imshow(counts, cmap="Blues")
    threshold = counts.max() / 2 if counts.size else 0
    for i in range(k):
        for j in range(k):
            if counts[i, j]:
                color = "white" if counts[i, j] > threshold else "black"
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", color=color, fontsize=8)
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(counts) / max(1, counts.sum())
    ax.set_title(f"confusion matrix ({counts.sum()} samples, accuracy {accuracy:.3f})")
    fig.tight_layout()
    return _close_from_pyplot(fig)
