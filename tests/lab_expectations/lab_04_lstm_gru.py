"""What the tests expect of lab 04_lstm_gru: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/04_lstm_gru/metrics.toml."""

_TEXTBOOK_GRU = (
    "def gru_step_fixed(x_t, h_prev, kernel, recurrent_kernel, bias):\n"
    "    W_z, W_r, W_h = np.split(kernel, 3, axis=-1)\n"
    "    U_z, U_r, U_h = np.split(recurrent_kernel, 3, axis=-1)\n"
    "    bx_z, bx_r, bx_h = np.split(bias[0], 3)\n"
    "    bh_z, bh_r, bh_h = np.split(bias[1], 3)\n"
    "    z = sigmoid(x_t @ W_z + bx_z + h_prev @ U_z + bh_z)\n"
    "    r = sigmoid(x_t @ W_r + bx_r + h_prev @ U_r + bh_r)\n"
    "    candidate = np.tanh(x_t @ W_h + bx_h + {candidate})\n"
    "    return z * h_prev + (1 - z) * candidate\n"
)

WRONG = [{
    "solution": "gru_step_fixed_solution",
    # The bug left in: the reset gate multiplies h_prev before U_h (the reset_after=False form)
    # while the weights are those of reset_after=True.
    "source": _TEXTBOOK_GRU.format(candidate="(r * h_prev) @ U_h + bh_h"),
}, {
    "solution": "gru_step_fixed_solution",
    # Half fixed: the reset gate now multiplies after U_h, but the recurrent bias stays outside.
    "source": _TEXTBOOK_GRU.format(candidate="r * (h_prev @ U_h) + bh_h"),
}, {
    "solution": "lstm_step_solution",
    # Reads the gate blocks in the order the equations list them (i, f, o, c); Keras
    # stores i, f, c, o.
    "source": (
        "def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):\n"
        "    z = x_t @ kernel + h_prev @ recurrent_kernel + bias\n"
        "    z_i, z_f, z_o, z_c = np.split(z, 4, axis=-1)\n"
        "    c_t = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_c)\n"
        "    h_t = sigmoid(z_o) * np.tanh(c_t)\n"
        "    return h_t, c_t\n"
    ),
}, {
    "solution": "lstm_step_solution",
    # The output from the old cell state: h_t = o_t * tanh(c_prev).
    "source": (
        "def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):\n"
        "    z = x_t @ kernel + h_prev @ recurrent_kernel + bias\n"
        "    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)\n"
        "    c_t = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_c)\n"
        "    h_t = sigmoid(z_o) * np.tanh(c_prev)\n"
        "    return h_t, c_t\n"
    ),
}, {
    "solution": "gru_step_solution",
    # Colah's convention with Keras' weights: the update gate weighs the candidate.
    "source": (
        "def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias, reset_after=True):\n"
        "    input_bias = bias[0] if reset_after else bias\n"
        "    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)\n"
        "    U_z, U_r, U_h = np.split(recurrent_kernel, 3, axis=-1)\n"
        "    if reset_after:\n"
        "        rec_z, rec_r, rec_h = np.split(h_prev @ recurrent_kernel + bias[1], 3, axis=-1)\n"
        "        z, r = sigmoid(x_z + rec_z), sigmoid(x_r + rec_r)\n"
        "        candidate = np.tanh(x_h + r * rec_h)\n"
        "    else:\n"
        "        z, r = sigmoid(x_z + h_prev @ U_z), sigmoid(x_r + h_prev @ U_r)\n"
        "        candidate = np.tanh(x_h + (r * h_prev) @ U_h)\n"
        "    return (1 - z) * h_prev + z * candidate\n"
    ),
}, {
    "solution": "gru_step_solution",
    # reset_after=False computed like reset_after=True: the reset gate after the matrix.
    "source": (
        "def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias, reset_after=True):\n"
        "    input_bias = bias[0] if reset_after else bias\n"
        "    recurrent_bias = bias[1] if reset_after else 0.0\n"
        "    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)\n"
        "    rec_z, rec_r, rec_h = np.split(h_prev @ recurrent_kernel + recurrent_bias, 3, axis=-1)\n"
        "    z, r = sigmoid(x_z + rec_z), sigmoid(x_r + rec_r)\n"
        "    candidate = np.tanh(x_h + r * rec_h)\n"
        "    return z * h_prev + (1 - z) * candidate\n"
    ),
}, {
    "solution": "gru_param_count_solution",
    # Forgets the second bias row of reset_after=True.
    "source": (
        "def gru_param_count(input_dim, units, reset_after=True):\n"
        "    return 3 * units * (input_dim + units) + 3 * units\n"
    ),
}, {
    "solution": "gru_param_count_solution",
    # Asks Keras instead of deriving the formula: right numbers, but the prompt forbids it.
    "source": (
        "def gru_param_count(input_dim, units, reset_after=True):\n"
        "    layer = layers.GRU(units, reset_after=reset_after)\n"
        "    layer.build((None, None, input_dim))\n"
        "    return int(layer.count_params())\n"
    ),
}, {
    "solution": "predict_stack_solution",
    # Thinks Dense drops the time axis.
    "source": (
        "shape_after_gru = (40, 10)\n"
        "shape_after_lstm = (40, 5)\n"
        "shape_after_dense = (3,)\n"
        "total_params = 878\n"
    ),
}, {
    "solution": "predict_stack_solution",
    # Counts the GRU with one bias row (the reset_after=False formula).
    "source": (
        "shape_after_gru = (40, 10)\n"
        "shape_after_lstm = (40, 5)\n"
        "shape_after_dense = (40, 3)\n"
        "total_params = 510 + 320 + 18\n"
    ),
}, {
    "solution": "holds_at_max_gap_solution",
    # Same size, same training: expects all three to remember.
    "source": "holds_at_max_gap = {\"SimpleRNN\", \"LSTM\", \"GRU\"}\n",
}, {
    "solution": "holds_at_max_gap_solution",
    # Only the cell with a separate cell state.
    "source": "holds_at_max_gap = {\"LSTM\"}\n",
}, {
    "solution": "make_windows_solution",
    # One window too few: the last complete (window, horizon) pair is dropped.
    "source": (
        "def make_windows(series, window, horizon):\n"
        "    series = np.asarray(series)\n"
        "    n = len(series) - window - horizon\n"
        "    x = np.stack([series[i:i + window] for i in range(n)])\n"
        "    y = np.stack([series[i + window:i + window + horizon] for i in range(n)])\n"
        "    return x, y\n"
    ),
}, {
    "solution": "make_windows_solution",
    # The targets start one step early: they repeat the last input value.
    "source": (
        "def make_windows(series, window, horizon):\n"
        "    series = np.asarray(series)\n"
        "    n = len(series) - window - horizon + 1\n"
        "    x = np.stack([series[i:i + window] for i in range(n)])\n"
        "    y = np.stack([series[i + window - 1:i + window - 1 + horizon] for i in range(n)])\n"
        "    return x, y\n"
    ),
}]

ALTERNATIVE = [{
    "solution": "make_windows_solution",
    # NumPy's sliding windows instead of a loop.
    "source": (
        "def make_windows(series, window, horizon):\n"
        "    span = window + horizon\n"
        "    pieces = np.lib.stride_tricks.sliding_window_view(np.asarray(series), span)\n"
        "    return pieces[:, :window].copy(), pieces[:, window:].copy()\n"
    ),
}, {
    "solution": "gru_step_fixed_solution",
    # All three blocks at once, then split.
    "source": (
        "def gru_step_fixed(x_t, h_prev, kernel, recurrent_kernel, bias):\n"
        "    x_z, x_r, x_h = np.split(x_t @ kernel + bias[0], 3, axis=-1)\n"
        "    h_z, h_r, h_h = np.split(h_prev @ recurrent_kernel + bias[1], 3, axis=-1)\n"
        "    z = 1 / (1 + np.exp(-(x_z + h_z)))\n"
        "    r = 1 / (1 + np.exp(-(x_r + h_r)))\n"
        "    return z * h_prev + (1 - z) * np.tanh(x_h + r * h_h)\n"
    ),
}, {
    "solution": "gru_param_count_solution",
    # Counted array by array, as NumPy ints.
    "source": (
        "def gru_param_count(input_dim, units, reset_after=True):\n"
        "    bias_shape = (2, 3 * units) if reset_after else (3 * units,)\n"
        "    shapes = [(input_dim, 3 * units), (units, 3 * units), bias_shape]\n"
        "    return sum(np.prod(shape) for shape in shapes)\n"
    ),
}, {
    "solution": "holds_at_max_gap_solution",
    # A list instead of a set.
    "source": "holds_at_max_gap = [\"GRU\", \"LSTM\"]\n",
}]
