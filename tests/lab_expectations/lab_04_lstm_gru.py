"""What the tests expect of lab 04_lstm_gru: its quick-run bounds and the answers the grading loop
submits (see tests/lab_expectations/__init__.py)."""

QUICK_BOUNDS = [("worst LSTM/GRU error vs Keras", "<=", 1e-5), ("LSTM accuracy at T=50", ">=", 0.9),
            ("GRU accuracy at T=50", ">=", 0.9), ("CO2 LSTM MAE (ppm)", "<=", 1.2),
            ("CO2 linear MAE (ppm)", "<=", 0.6)]

WRONG = [{
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
}]
