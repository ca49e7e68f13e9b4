"""What the tests expect of lab 08_autoencoders: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/08_autoencoders/metrics.toml."""

WRONG = [
    {
        "solution": "psnr_solution",
        # The uint8 peak on images scaled to [0, 1]: every PSNR comes out 48 dB too high.
        "source": (
            "def psnr(reference, estimate, max_value=1.0):\n"
            "    difference = np.asarray(reference, dtype=float) - np.asarray(estimate, dtype=float)\n"
            "    mse = np.mean(difference ** 2, axis=(1, 2, 3))\n"
            "    return 10 * np.log10(255.0 ** 2 / mse)\n"
        ),
    },
    {
        "solution": "roc_auc_solution",
        # Counts only strict wins: a tie counts as a loss instead of half a win.
        "source": (
            "def roc_auc(normal_scores, anomalous_scores):\n"
            "    normal = np.asarray(normal_scores, dtype=float).ravel()\n"
            "    anomalous = np.asarray(anomalous_scores, dtype=float).ravel()\n"
            "    return float(np.mean(anomalous[:, None] > normal[None, :]))\n"
        ),
    },
    {
        "solution": "pca_fit_solution",
        # Forgets to center: the top singular vector of the raw data points at the mean.
        "source": (
            "def pca_fit(x_fit, k):\n"
            "    x_fit = np.asarray(x_fit, dtype=float)\n"
            "    _, _, vt = np.linalg.svd(x_fit, full_matrices=False)\n"
            "    return x_fit.mean(axis=0), vt[:k]\n"
        ),
    },
    {
        "solution": "conv_transpose_output_length_solution",
        # The "valid" rule for every padding, and output_padding ignored.
        "source": (
            "def conv_transpose_output_length(input_length, kernel_size, stride, padding,\n"
            "                                 output_padding=None):\n"
            "    return (input_length - 1) * stride + kernel_size\n"
        ),
    },
    {
        "solution": "predicted_shapes_solution",
        # "Fully convolutional, so the output is always the size of the input."
        "source": (
            "predicted_shapes = {(30, 30): (30, 30), (57, 85): (57, 85), (64, 18): (64, 18),\n"
            "                    (99, 100): (99, 100)}\n"
            "size_multiple = 1\n"
        ),
    },
    {
        "solution": "pca_fit_solution",
        # The top k eigenvectors of np.linalg.eigh, but left in its increasing order: the right
        # subspace, the largest-variance direction last instead of first.
        "source": (
            "def pca_fit(x_fit, k):\n"
            "    x_fit = np.asarray(x_fit, dtype=float)\n"
            "    mean = x_fit.mean(axis=0)\n"
            "    _, vectors = np.linalg.eigh(np.cov(x_fit, rowvar=False))\n"
            "    return mean, vectors[:, -k:].T\n"
        ),
    },
    {
        "solution": "conv_transpose_output_length_solution",
        # Right for "same" and for output_padding, but "valid" without the gap a stride larger
        # than the kernel leaves: (n - 1) s + k instead of (n - 1) s + max(k, s).
        "source": (
            "def conv_transpose_output_length(input_length, kernel_size, stride, padding,\n"
            "                                 output_padding=None):\n"
            "    if padding == 'same':\n"
            "        if output_padding is None:\n"
            "            return input_length * stride\n"
            "        return (input_length - 1) * stride + kernel_size % 2 + output_padding\n"
            "    return (input_length - 1) * stride + kernel_size + (output_padding or 0)\n"
        ),
    },
    {
        "solution": "psnr_solution",
        # The peak not squared: 10 log10(MAX / MSE). Invisible with MAX = 1, wrong for any other.
        "source": (
            "def psnr(reference, estimate, max_value=1.0):\n"
            "    difference = np.asarray(reference, dtype=float) - np.asarray(estimate, dtype=float)\n"
            "    mse = np.mean(difference ** 2, axis=(1, 2, 3))\n"
            "    return 10 * np.log10(max_value / mse)\n"
        ),
    },
    {
        "solution": "predicted_shapes_solution",
        # Halvings that round down (floor), as a 'valid' pooling would.
        "source": (
            "predicted_shapes = {(30, 30): (28, 28), (57, 85): (56, 84), (64, 18): (64, 16),\n"
            "                    (99, 100): (96, 100)}\n"
            "size_multiple = 4\n"
        ),
    },
    {
        "solution": "skip_prediction_solution",
        # Widens the second Conv2DTranspose for the first skip but forgets that the second skip
        # widens the last Conv2D too.
        "source": (
            "skip_params = 320 + 9_248 + 18_496 + 18_464 + 18_464 + 289\n"
            "skip_runs = {(28, 28), (56, 84)}\n"
        ),
    },
    {
        "solution": "skip_prediction_solution",
        # "Fully convolutional, so every size runs": the parameters right, the sizes not.
        "source": (
            "skip_params = 65_569\n"
            "skip_runs = {(28, 28), (30, 30), (56, 84), (64, 18)}\n"
        ),
    },
    {
        "solution": "roc_auc_solution",
        # np.searchsorted on the normal scores as given, without sorting them first.
        "source": (
            "def roc_auc(normal_scores, anomalous_scores):\n"
            "    normal = np.asarray(normal_scores, dtype=float).ravel()\n"
            "    anomalous = np.asarray(anomalous_scores, dtype=float).ravel()\n"
            "    below = np.searchsorted(normal, anomalous, side='left')\n"
            "    not_above = np.searchsorted(normal, anomalous, side='right')\n"
            "    wins = below.sum() + 0.5 * (not_above - below).sum()\n"
            "    return float(wins / (len(normal) * len(anomalous)))\n"
        ),
    },
]

ALTERNATIVE = [
    {
        "solution": "pca_fit_solution",
        # The SVD of the centered data instead of the covariance's eigenvectors.
        "source": (
            "def pca_fit(x_fit, k):\n"
            "    x_fit = np.asarray(x_fit, dtype=np.float64)\n"
            "    mean = x_fit.mean(axis=0)\n"
            "    _, _, vt = np.linalg.svd(x_fit - mean, full_matrices=False)\n"
            "    return mean, vt[:k]\n"
        ),
    },
    {
        "solution": "conv_transpose_output_length_solution",
        # Paint the copies, then crop what "same" padding removes.
        "source": (
            "def conv_transpose_output_length(input_length, kernel_size, stride, padding,\n"
            "                                 output_padding=None):\n"
            "    full = (input_length - 1) * stride + kernel_size  # where the last copy ends\n"
            "    if output_padding is None:\n"
            "        if padding == 'same':\n"
            "            return input_length * stride\n"
            "        return full + max(0, stride - kernel_size)\n"
            "    crop = 0 if padding == 'valid' else kernel_size - kernel_size % 2\n"
            "    return full - crop + output_padding\n"
        ),
    },
    {
        "solution": "psnr_solution",
        # One image at a time, in the 20 log10(peak / RMS error) form.
        "source": (
            "import math\n"
            "\n"
            "\n"
            "def psnr(reference, estimate, max_value=1.0):\n"
            "    values = []\n"
            "    reference = np.asarray(reference, dtype=float)\n"
            "    estimate = np.asarray(estimate, dtype=float)\n"
            "    for ref, est in zip(reference, estimate):\n"
            "        rms = math.sqrt(float(np.mean(np.square(ref - est))))\n"
            "        values.append(20 * math.log10(max_value / rms))\n"
            "    return np.array(values)\n"
        ),
    },
    {
        "solution": "predicted_shapes_solution",
        # The rules written as a function, applied to each canvas.
        "source": (
            "def _through(n):\n"
            "    for _ in range(2):\n"
            "        n = -(-n // 2)  # stride-2 'same' convolution: ceil(n / 2)\n"
            "    return 4 * n  # two transposed convolutions double it exactly\n"
            "\n"
            "\n"
            "predicted_shapes = {(h, w): (_through(h), _through(w))\n"
            "                    for h, w in [(30, 30), (57, 85), (64, 18), (99, 100)]}\n"
            "size_multiple = 2 ** 2\n"
        ),
    },
    {
        "solution": "roc_auc_solution",
        # Every (anomaly, normal) pair compared at once by broadcasting.
        "source": (
            "def roc_auc(normal_scores, anomalous_scores):\n"
            "    normal = np.asarray(normal_scores, dtype=float).reshape(1, -1)\n"
            "    anomalous = np.asarray(anomalous_scores, dtype=float).reshape(-1, 1)\n"
            "    return float(np.mean((anomalous > normal) + 0.5 * (anomalous == normal)))\n"
        ),
    },
    {
        "solution": "skip_prediction_solution",
        # The count as the plain network's total plus what the two widened layers add, and the
        # canvases as a list.
        "source": (
            "skip_params = 56_065 + 3 * 3 * 32 * 32 + 3 * 3 * 32 * 1\n"
            "skip_runs = [(56, 84), (28, 28)]\n"
        ),
    },
]
