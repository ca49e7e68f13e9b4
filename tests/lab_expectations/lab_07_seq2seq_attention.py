"""What the tests expect of lab 07_seq2seq_attention: its quick-run bounds and the answers the
grading loop submits (see tests/lab_expectations/__init__.py)."""

QUICK_BOUNDS = [("attention vs MultiHeadAttention max error", "<=", 1e-5),
                ("date per-character accuracy", ">=", 0.5),
                ("date exact match (attention)", ">=", 0.2)]

WRONG = [{
    "solution": "attention_solution",
    # The softmax over the queries (axis -2) instead of the keys: columns sum to 1, not rows.
    # (One wrong answer per solution cell: the grading loop submits them all in one notebook.
    # A missing 1 / sqrt(d) fails the same visible check; see the lab's hand-back notes.)
    "source": (
        "def scaled_dot_product_attention(q, k, v, mask=None):\n"
        "    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))\n"
        "    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])\n"
        "    if mask is not None:\n"
        "        scores = np.where(mask, scores, -1e9)\n"
        "    weights = np.exp(scores - np.max(scores, axis=-2, keepdims=True))\n"
        "    weights = weights / np.sum(weights, axis=-2, keepdims=True)\n"
        "    return weights @ v, weights\n"
    ),
}, {
    "solution": "teacher_forcing_solution",
    # Shifts the wrong way: the decoder would be fed the token it must predict next.
    "source": (
        "def teacher_forcing_inputs(targets, start_id):\n"
        "    targets = np.asarray(targets)\n"
        "    return np.concatenate([targets[:, 1:], np.zeros_like(targets[:, :1])], axis=1)\n"
    ),
}, {
    "solution": "sequence_accuracies_solution",
    # Counts the padding as correctly predicted tokens: both figures come out too high.
    "source": (
        "def sequence_accuracies(predicted, targets, pad_id=0):\n"
        "    right = np.asarray(predicted) == np.asarray(targets)\n"
        "    return float(np.mean(np.all(right, axis=1))), float(np.mean(right))\n"
    ),
}, {
    "solution": "decoder_mask_solution",
    # Both masks "to be safe": the padding mask changes nothing at real positions.
    "source": (
        "causal_mask_matters = True\n"
        "padding_mask_matters = True\n"
        "decoder_self_attention_mask = \"padding and causal\"\n"
    ),
}]

ALTERNATIVE = [{
    "solution": "attention_solution",
    # TensorFlow ops: tf.linalg.matmul with transpose_b, tf.nn.softmax, a large negative bias.
    "source": (
        "import tensorflow as tf\n"
        "\n"
        "\n"
        "def scaled_dot_product_attention(q, k, v, mask=None):\n"
        "    q, k, v = (tf.constant(np.asarray(a, dtype=np.float64)) for a in (q, k, v))\n"
        "    scores = tf.linalg.matmul(q, k, transpose_b=True) / tf.sqrt(tf.cast(q.shape[-1], tf.float64))\n"
        "    if mask is not None:\n"
        "        scores += (1.0 - tf.cast(mask, tf.float64)) * -1e30\n"
        "    weights = tf.nn.softmax(scores, axis=-1)\n"
        "    return (weights @ v).numpy(), weights.numpy()\n"
    ),
}, {
    "solution": "teacher_forcing_solution",
    # np.roll, then overwrite the column that wrapped around.
    "source": (
        "def teacher_forcing_inputs(targets, start_id):\n"
        "    shifted = np.roll(np.array(targets), 1, axis=1)\n"
        "    shifted[:, 0] = start_id\n"
        "    return shifted\n"
    ),
}, {
    "solution": "sequence_accuracies_solution",
    # A masked array: the pads are masked out of both means.
    "source": (
        "def sequence_accuracies(predicted, targets, pad_id=0):\n"
        "    targets = np.asarray(targets)\n"
        "    right = np.ma.masked_array(np.asarray(predicted) == targets, mask=targets == pad_id)\n"
        "    exact = np.all(right.filled(True), axis=1)\n"
        "    return float(exact.mean()), float(right.mean())\n"
    ),
}]
