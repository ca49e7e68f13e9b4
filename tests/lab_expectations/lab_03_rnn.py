"""What the tests expect of lab 03_rnn: its quick-run bounds and the answers the grading loop
submits (see tests/lab_expectations/__init__.py)."""

QUICK_BOUNDS = [("worst lfilter error", "<=", 1e-5), ("identified coefficient error", "<=", 1e-2)]

WRONG = [{
    "solution": "iir_rnn_weights_solution",
    # Forgets that Conv1D is a cross-correlation: the input taps are not reversed.
    "source": (
        "def iir_rnn_weights(b, a):\n"
        "    b = np.asarray(b, dtype=np.float64)\n"
        "    a = np.asarray(a, dtype=np.float64)\n"
        "    n = len(a)\n"
        "    rnn_kernel = np.zeros((1, n))\n"
        "    rnn_kernel[0, 0] = 1.0\n"
        "    recurrent_kernel = np.zeros((n, n))\n"
        "    recurrent_kernel[:, 0] = a\n"
        "    recurrent_kernel[np.arange(n - 1), np.arange(1, n)] = 1.0\n"
        "    return [b.reshape(-1, 1, 1), rnn_kernel, recurrent_kernel]\n"
    ),
}]

ALTERNATIVE = [{
    "solution": "iir_rnn_weights_solution",
    # SciPy's companion matrix of 1 - a_1 z^-1 - ..., transposed for Keras' row vectors.
    "source": (
        "import numpy as np\n"
        "from scipy.linalg import companion\n"
        "\n"
        "\n"
        "def iir_rnn_weights(b, a):\n"
        "    a = np.atleast_1d(np.asarray(a, dtype=float))\n"
        "    recurrent = companion(np.r_[1.0, -a]).T\n"
        "    kernel = np.eye(1, len(a))\n"
        "    return [np.flip(np.asarray(b, dtype=float))[:, None, None], kernel, recurrent]\n"
    ),
}]
