"""What the tests expect of lab 08_autoencoders: its quick-run bounds and the answers the grading
loop submits (see tests/lab_expectations/__init__.py)."""

QUICK_BOUNDS = [
    # Predicting the mean training image scores 0.073; PCA with 2 components about 0.062.
    ("held-out MSE, code 2", "<=", 0.068),
    ("held-out MSE, code 8", "<=", 0.040),
    ("held-out MSE, code 32", "<=", 0.027),
    ("held-out MSE, code 64", "<=", 0.025),
    ("denoising PSNR gain (dB)", ">=", 7.0),
    ("deblurring PSNR gain (dB)", ">=", 1.0),
    ("anomaly ROC AUC", ">=", 0.75),
]

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
]
