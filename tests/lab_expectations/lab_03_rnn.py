"""What the tests expect of lab 03_rnn: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/03_rnn/metrics.toml."""

_FORWARD = (
    "def simple_rnn_forward(x, kernel, recurrent_kernel, bias, return_sequences=False):\n"
    "    x = np.asarray(x, dtype=np.float64)\n"
    "    h = np.zeros((x.shape[0], recurrent_kernel.shape[0]))\n"
    "    outputs = []\n"
    "    for t in range(x.shape[1]):\n"
    "        h = np.tanh({step})\n"
    "        outputs.append(h)\n"
    "    return np.stack(outputs, axis=1) if return_sequences else h\n"
)

_IIR = (
    "def iir_rnn_weights(b, a):\n"
    "    b = np.asarray(b, dtype=np.float64)\n"
    "    a = np.asarray(a, dtype=np.float64)\n"
    "    n = len(a)\n"
    "    rnn_kernel = np.zeros((1, n))\n"
    "    rnn_kernel[0, 0] = 1.0\n"
    "    recurrent_kernel = np.zeros((n, n))\n"
    "{recurrent}"
    "    return [{conv}.reshape(-1, 1, 1), rnn_kernel, recurrent_kernel]\n"
)

_PREDICT = (
    "sequence_shape = {sequence}\n"
    "state_shape = (8,)\n"
    "summary_shape = {summary}\n"
    "total_params = {total}\n"
    "total_params_400 = {total_400}\n"
)

WRONG = [{
    "solution": "simple_rnn_forward_solution",
    # The column-vector habit: U h_(t-1) written as h @ U.T for row vectors.
    "source": _FORWARD.format(step="x[:, t] @ kernel + h @ recurrent_kernel.T + bias"),
}, {
    "solution": "simple_rnn_forward_solution",
    # The bias left out: the visible examples all have a zero bias.
    "source": _FORWARD.format(step="x[:, t] @ kernel + h @ recurrent_kernel"),
}, {
    "solution": "predict_rnn_solution",
    # Thinks the second layer returns a sequence too, like the layer that feeds it.
    "source": _PREDICT.format(sequence="(40, 8)", summary="(40, 5)", total="166", total_400="166"),
}, {
    "solution": "predict_rnn_solution",
    # Counts the second layer as if it read the model's 3 input features, not the 8 units.
    "source": _PREDICT.format(sequence="(40, 8)", summary="(5,)", total="96 + 3 * 5 + 5 * 5 + 5",
                              total_400="96 + 3 * 5 + 5 * 5 + 5"),
}, {
    "solution": "iir_rnn_weights_solution",
    # Forgets that Conv1D is a cross-correlation: the input taps are not reversed.
    "source": _IIR.format(
        recurrent=("    recurrent_kernel[:, 0] = a\n"
                   "    recurrent_kernel[np.arange(n - 1), np.arange(1, n)] = 1.0\n"),
        conv="b"),
}, {
    "solution": "iir_rnn_weights_solution",
    # SciPy's signs for the feedback taps: lfilter's a = [1, -a_1, ..., -a_N] read as the a_l.
    "source": _IIR.format(
        recurrent=("    recurrent_kernel[:, 0] = -a\n"
                   "    recurrent_kernel[np.arange(n - 1), np.arange(1, n)] = 1.0\n"),
        conv="b[::-1]"),
}, {
    "solution": "linear_rnn_gradient_norm_solution",
    # The orthogonal case of the plot taken as the rule: ||W|| rho(U)^lag.
    "source": (
        "def linear_rnn_gradient_norm(kernel, recurrent_kernel, lag):\n"
        "    rho = np.max(np.abs(np.linalg.eigvals(np.asarray(recurrent_kernel, dtype=float))))\n"
        "    return float(np.linalg.norm(kernel) * rho ** lag)\n"
    ),
}, {
    "solution": "linear_rnn_gradient_norm_solution",
    # The factors in column-vector order: U^lag W^T instead of W U^lag.
    "source": (
        "def linear_rnn_gradient_norm(kernel, recurrent_kernel, lag):\n"
        "    power = np.linalg.matrix_power(np.asarray(recurrent_kernel, dtype=float), lag)\n"
        "    return float(np.linalg.norm(power @ np.asarray(kernel, dtype=float).T))\n"
    ),
}, {
    "solution": "gradient_fate_solution",
    # Judges by the size of the entries: a 10 explodes, entries below 1 vanish.
    "source": 'gradient_fate = {"A": "explode", "B": "vanish", "C": "vanish", "D": "vanish"}\n',
}, {
    "solution": "gradient_fate_solution",
    # Judges by the matrix norm (largest singular value), which is above 1 for all four.
    "source": 'gradient_fate = {"A": "explode", "B": "explode", "C": "explode", "D": "explode"}\n',
}]

ALTERNATIVE = [{
    "solution": "simple_rnn_forward_solution",
    # Preallocated output, einsum for the products, the last step read off the sequence.
    "source": (
        "def simple_rnn_forward(x, kernel, recurrent_kernel, bias, return_sequences=False):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    batch, steps, _ = x.shape\n"
        "    states = np.zeros((batch, steps + 1, len(bias)))\n"
        "    for t in range(steps):\n"
        "        new_input = np.einsum('bd,du->bu', x[:, t], kernel)\n"
        "        fed_back = np.einsum('bv,vu->bu', states[:, t], recurrent_kernel)\n"
        "        states[:, t + 1] = np.tanh(new_input + fed_back + bias)\n"
        "    return states[:, 1:] if return_sequences else states[:, -1]\n"
    ),
}, {
    "solution": "predict_rnn_solution",
    # Shapes as lists, counts as arithmetic.
    "source": (
        "sequence_shape = [40, 8]\n"
        "state_shape = [8]\n"
        "summary_shape = [5]\n"
        "total_params = (3 + 8 + 1) * 8 + (8 + 5 + 1) * 5\n"
        "total_params_400 = (3 + 8 + 1) * 8 + (8 + 5 + 1) * 5\n"
    ),
}, {
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
}, {
    "solution": "linear_rnn_gradient_norm_solution",
    # The Jacobian propagated step by step, then the Frobenius norm written out.
    "source": (
        "def linear_rnn_gradient_norm(kernel, recurrent_kernel, lag):\n"
        "    jacobian = np.array(kernel, dtype=float)\n"
        "    for _ in range(lag):\n"
        "        jacobian = jacobian @ recurrent_kernel\n"
        "    return np.sqrt(np.sum(jacobian ** 2))\n"
    ),
}, {
    "solution": "gradient_fate_solution",
    # The same answers, built from a rule applied by hand to the eigenvalue moduli.
    "source": (
        "moduli = {\"A\": 0.5, \"B\": 1.2, \"C\": (0.9**2 + 0.5**2) ** 0.5, \"D\": 0.0}\n"
        "gradient_fate = {key: \"explode\" if m > 1 else \"vanish\" for key, m in moduli.items()}\n"
    ),
}]
