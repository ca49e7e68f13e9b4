"""Answers a student might submit, per lab, for the grading-loop tests.

For each lab, lists of answers, each a ``solution`` (the grade_id of a solution cell) and the
``source`` a student might write there:

- ``wrong``: plausible wrong answers. The graded test cell after each must lose all its
  points and no other cell any. The first fails a check helper (``check_array``,
  ``check_equal``), so it is the one the cheats below try to save; none of them raises.
- ``alternative``: correct answers written differently from the solution (another
  algorithm, other library calls); each must get full marks.

``CHEATS`` are lab-independent: code that tries to switch the checks off. A submission that
runs them and then answers wrongly must still lose the points of the wrong answer.
"""

CHEATS = {
    # Rebinds the helpers in the notebook's namespace: an answer cell runs before the test cell.
    "rebind": "check_array = check_equal = rel_error = lambda *args, **kwargs: None\n",
    # Replaces them in their module, where a test cell that imports them would find them.
    "patch": (
        "import course_lib\n"
        "import course_lib.checks\n"
        "course_lib.checks.check_array = course_lib.checks.check_equal = lambda *args, **kwargs: None\n"
        "course_lib.check_array = course_lib.check_equal = course_lib.checks.check_array\n"
    ),
}

ANSWERS = {
    "01_cnn": {
        "wrong": [{
            "solution": "conv_output_length_solution",
            # Forgets the "+ 1" of the 'valid' rule.
            "source": (
                "def conv_output_length(input_length, kernel_size, stride, padding):\n"
                "    if padding == 'valid':\n"
                "        return (input_length - kernel_size) // stride\n"
                "    return (input_length + stride - 1) // stride\n"
            ),
        }, {
            "solution": "build_cnn_solution",
            # A stack of convolutions with no nonlinearity between them: one linear filter.
            "source": (
                "def build_cnn(input_shape=(28, 28, 1), num_classes=10):\n"
                "    return keras.Sequential([\n"
                "        keras.Input(shape=input_shape),\n"
                "        layers.Conv2D(16, 3, padding='same'),\n"
                "        layers.MaxPooling2D(2),\n"
                "        layers.Conv2D(32, 3, padding='same'),\n"
                "        layers.MaxPooling2D(2),\n"
                "        layers.Conv2D(64, 3),\n"
                "        layers.MaxPooling2D(2),\n"
                "        layers.Flatten(),\n"
                "        layers.Dense(64, activation='relu'),\n"
                "        layers.Dense(num_classes, activation='softmax'),\n"
                "    ])\n"
            ),
        }],
        "alternative": [{
            "solution": "conv_output_length_solution",
            # Counts the positions with math.ceil instead of integer division.
            "source": (
                "import math\n"
                "\n"
                "\n"
                "def conv_output_length(input_length, kernel_size, stride, padding):\n"
                "    span = input_length - kernel_size + 1 if padding == 'valid' else input_length\n"
                "    return math.ceil(span / stride)\n"
            ),
        }, {
            "solution": "predict_stack_solution",
            # Works the shapes out with math.ceil and writes one of them as a list.
            "source": (
                "import math\n"
                "\n"
                "side1 = math.ceil(29 / 2)\n"
                "side2 = side1 // 2\n"
                "side3 = side2 - 3 + 1\n"
                "shape_after_conv1 = [side1, side1, 8]\n"
                "shape_after_pool = (side2, side2, 8)\n"
                "shape_after_conv2 = (side3, side3, 16)\n"
                "total_params = (27 * 8 + 8) + (72 * 16 + 16) + (side3 * side3 * 16 * 10 + 10)\n"
            ),
        }],
    },
    "03_rnn": {
        "wrong": [{
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
        }],
        "alternative": [{
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
        }],
    },
    "04_lstm_gru": {
        "wrong": [{
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
        }],
        "alternative": [{
            "solution": "make_windows_solution",
            # NumPy's sliding windows instead of a loop.
            "source": (
                "def make_windows(series, window, horizon):\n"
                "    span = window + horizon\n"
                "    pieces = np.lib.stride_tricks.sliding_window_view(np.asarray(series), span)\n"
                "    return pieces[:, :window].copy(), pieces[:, window:].copy()\n"
            ),
        }],
    },
    "05_language_models": {
        "wrong": [{
            "solution": "cross_entropy_solution",
            # Logarithms to base 10: "nats" that are not nats, and a perplexity to match.
            "source": (
                "def cross_entropy_and_perplexity(probs, targets):\n"
                "    probs = np.asarray(probs, dtype=np.float64)\n"
                "    nats = float(-np.mean(np.log10(probs[np.arange(len(targets)), targets])))\n"
                "    return nats, float(10 ** nats)\n"
            ),
        }],
        "alternative": [{
            "solution": "sample_next_solution",
            # np.argpartition for the top k, and rng.choice over the whole vocabulary.
            "source": (
                "def sample_next(logits, temperature, rng, top_k=None):\n"
                "    z = np.array(logits, dtype=float) / temperature\n"
                "    keep = np.arange(len(z)) if top_k is None else np.argpartition(-z, top_k - 1)[:top_k]\n"
                "    weights = np.exp(z[keep] - z[keep].max())\n"
                "    probs = np.zeros(len(z))\n"
                "    probs[keep] = weights / weights.sum()\n"
                "    return int(rng.choice(np.arange(len(z)), p=probs))\n"
            ),
        }],
    },
    "06_embeddings": {
        "wrong": [{
            "solution": "skipgram_pairs_solution",
            # Lets the window include offset 0: every word becomes its own context.
            "source": (
                "def skipgram_pairs(ids, window):\n"
                "    ids = np.asarray(ids)\n"
                "    pairs = []\n"
                "    for i in range(len(ids)):\n"
                "        for j in range(max(0, i - window), min(len(ids), i + window + 1)):\n"
                "            pairs.append((ids[i], ids[j]))\n"
                "    return np.array(pairs, dtype=np.int64).reshape(-1, 2)\n"
            ),
        }],
        "alternative": [{
            "solution": "skipgram_pairs_solution",
            # A mask over all (i, j) position pairs instead of a loop over offsets.
            "source": (
                "def skipgram_pairs(ids, window):\n"
                "    ids = np.asarray(ids)\n"
                "    n = len(ids)\n"
                "    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing='ij')\n"
                "    near = (np.abs(i - j) >= 1) & (np.abs(i - j) <= window)\n"
                "    return np.stack([ids[i[near]], ids[j[near]]], axis=1)\n"
            ),
        }],
    },
    "12_tinyml": {
        "wrong": [{
            "solution": "quantize_int8_solution",
            # Rounds with np.round: halves go to the even neighbour, not away from zero.
            "source": (
                "def quantize_int8(x, scale, zero_point):\n"
                "    q = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point\n"
                "    return np.clip(q, -128, 127).astype(np.int8)\n"
                "\n"
                "\n"
                "def dequantize_int8(q, scale, zero_point):\n"
                "    return scale * (np.asarray(q, dtype=np.float64) - zero_point)\n"
            ),
        }, {
            "solution": "stays_float32_solution",
            # Takes the 1,024-element threshold as "at most", so the 1,024-weight Dense kernel
            # is predicted to stay float32 (the converter quantizes it).
            "source": 'STAYS_FLOAT32 = {"conv_a", "depthwise", "dense_hidden", "dense_out"}\n',
        }],
        "alternative": [{
            "solution": "quantization_params_solution",
            # Rounds half away from zero with math.floor/math.ceil and clamps with min/max.
            "source": (
                "import math\n"
                "\n"
                "\n"
                "def quantization_params(x_min, x_max):\n"
                "    low, high = min(float(x_min), 0.0), max(float(x_max), 0.0)\n"
                "    scale = (high - low) / 255\n"
                "    exact = -128 - low / scale\n"
                "    nearest = math.floor(exact + 0.5) if exact >= 0 else math.ceil(exact - 0.5)\n"
                "    return scale, int(max(-128, min(127, nearest)))\n"
            ),
        }, {
            "solution": "stays_float32_solution",
            # Counts every kernel's weights instead of reasoning layer by layer.
            "source": (
                "KERNEL_ELEMENTS = {\n"
                "    'conv_a': 5 * 5 * 3 * 8,\n"
                "    'conv_b': 3 * 3 * 8 * 32,\n"
                "    'depthwise': 3 * 3 * 32,\n"
                "    'pointwise': 1 * 1 * 32 * 64,\n"
                "    'dense_hidden': 64 * 16,\n"
                "    'dense_out': 16 * 10,\n"
                "}\n"
                "STAYS_FLOAT32 = [name for name, n in KERNEL_ELEMENTS.items() if n < 1024]\n"
            ),
        }],
    },
}
