"""What the tests expect of lab 07_seq2seq_attention: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/07_seq2seq_attention/metrics.toml."""

_ATTENTION = (
    "def scaled_dot_product_attention(q, k, v, mask=None):\n"
    "    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))\n"
    "    scores = q @ {keys_t} / np.sqrt(q.shape[-1])\n"
    "{before}"
    "    scores = scores - np.max(scores, axis=-1, keepdims=True)\n"
    "    weights = np.exp(scores) / np.sum(np.exp(scores), axis=-1, keepdims=True)\n"
    "{after}"
    "    return weights @ v, weights\n"
)
_MASK_BEFORE = "    if mask is not None:\n        scores = np.where(mask, scores, -np.inf)\n"
_MASK_AFTER = "    if mask is not None:\n        weights = np.where(mask, weights, 0.0)\n"

WRONG = [{
    "solution": "teacher_forcing_solution",
    # The draft copied as it is: it shifts the caller's array in place, so fit's targets become
    # the decoder inputs (the returned ids are right).
    "source": (
        "def teacher_forcing_inputs(targets, start_id):\n"
        "    inputs = np.asarray(targets)\n"
        "    inputs[:, 1:] = inputs[:, :-1]\n"
        "    inputs[:, 0] = start_id\n"
        "    return inputs\n"
    ),
}, {
    "solution": "teacher_forcing_solution",
    # A "fix" that still aliases: a full slice copies a Python list, but is a view of a NumPy array.
    "source": (
        "def teacher_forcing_inputs(targets, start_id):\n"
        "    inputs = np.asarray(targets)[:, :]\n"
        "    inputs[:, 1:] = inputs[:, :-1]\n"
        "    inputs[:, 0] = start_id\n"
        "    return inputs\n"
    ),
}, {
    "solution": "predict_shapes_solution",
    # The attention weights transposed: (input positions, decoder steps).
    "source": (
        "enc_seq_shape = (25, 64)\nenc_h_shape = (64,)\nenc_c_shape = (64,)\ndec_seq_shape = (12, 64)\n"
        "weights_shape = (25, 12)\nh_is_last_output = True\n"
    ),
}, {
    "solution": "predict_shapes_solution",
    # Believes the state h_T is something other than the last output.
    "source": (
        "enc_seq_shape = (25, 64)\nenc_h_shape = (64,)\nenc_c_shape = (64,)\ndec_seq_shape = (12, 64)\n"
        "weights_shape = (12, 25)\nh_is_last_output = False\n"
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
    "solution": "sequence_accuracies_solution",
    # Per-token accuracy as the mean of per-row accuracies: short rows weigh as much as long ones.
    "source": (
        "def sequence_accuracies(predicted, targets, pad_id=0):\n"
        "    predicted, targets = np.asarray(predicted), np.asarray(targets)\n"
        "    real = targets != pad_id\n"
        "    right = (predicted == targets) & real\n"
        "    exact = np.all(right | ~real, axis=1)\n"
        "    return float(np.mean(exact)), float(np.mean(right.sum(axis=1) / real.sum(axis=1)))\n"
    ),
}, {
    "solution": "predict_weights_solution",
    # Forgets the mask: the pad key k3 takes its share (and all of q2's weight).
    "source": (
        "predicted_weights = np.array([[1 / 4, 1 / 4, 1 / 4, 1 / 4], [4 / 10, 1 / 10, 4 / 10, 1 / 10],\n"
        "                              [0, 0, 0, 1], [0, 1, 0, 0]])\n"
    ),
}, {
    "solution": "predict_weights_solution",
    # Forgets the 1 / sqrt(d): q1 scores 2 ln 4 on k0 and k2, weights 16 : 1 : 16.
    "source": (
        "predicted_weights = np.array([[1 / 3, 1 / 3, 1 / 3, 0], [16 / 33, 1 / 33, 16 / 33, 0],\n"
        "                              [1 / 3, 1 / 3, 1 / 3, 0], [0, 1, 0, 0]])\n"
    ),
}, {
    "solution": "attention_solution",
    # The draft's bug left in: the mask applied after the softmax, so masked rows sum to less than 1.
    "source": _ATTENTION.format(keys_t="np.swapaxes(k, -1, -2)", before="", after=_MASK_AFTER),
}, {
    "solution": "attention_solution",
    # k.T transposes every axis: right without batch axes, wrong (or a crash) with them.
    "source": _ATTENTION.format(keys_t="k.T", before=_MASK_BEFORE, after=""),
}, {
    "solution": "decoder_mask_solution",
    # Both masks "to be safe": with right padding the padding mask changes nothing at real positions.
    "source": (
        "causal_mask_matters = True\npadding_mask_matters = True\nleft_padding_mask_matters = True\n"
        "encoder_padding_mask_matters = True\n"
    ),
}, {
    "solution": "decoder_mask_solution",
    # "The causal mask hides the pads" on either side: with left padding they come before the query.
    "source": (
        "causal_mask_matters = True\npadding_mask_matters = False\nleft_padding_mask_matters = False\n"
        "encoder_padding_mask_matters = True\n"
    ),
}]

ALTERNATIVE = [{
    "solution": "attention_solution",
    # The draft's order kept, with the masked weights renormalized: the same softmax over the
    # keys a query may see.
    "source": _ATTENTION.format(
        keys_t="np.swapaxes(k, -1, -2)", before="",
        after=("    if mask is not None:\n        weights = np.where(mask, weights, 0.0)\n"
               "        weights = weights / np.sum(weights, axis=-1, keepdims=True)\n")),
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
}, {
    "solution": "predict_weights_solution",
    # The same prediction written with np.exp of the worked-out scores and rounded decimals.
    "source": (
        "predicted_weights = np.array([[0.33, 0.33, 0.33, 0.0], [0.444, 0.111, 0.444, 0.0],\n"
        "                              [0.333, 0.333, 0.333, 0.0],\n"
        "                              [1 / (np.exp(20) + 2), np.exp(20) / (np.exp(20) + 2),\n"
        "                               1 / (np.exp(20) + 2), 0]])\n"
    ),
}]
