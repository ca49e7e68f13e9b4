"""What the tests expect of lab 06_embeddings: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/06_embeddings/metrics.toml."""

# The negative-sampling gradients by hand: each sgns_gradients WRONG below changes one thing in them.
SGNS_GRADIENTS_BY_HAND = (
    "def sgns_gradients(v, u_pos, u_neg):\n"
    "    v, u_pos, u_neg = (np.asarray(a, dtype=np.float64) for a in (v, u_pos, u_neg))\n"
    "    s_pos = np.sum(u_pos * v, axis=1)\n"
    "    s_neg = np.einsum('nkd,nd->nk', u_neg, v)\n"
    "    g_pos = 1.0 / (1.0 + np.exp(-s_pos)) - 1.0\n"
    "    g_neg = 1.0 / (1.0 + np.exp(-s_neg))\n"
    "    grad_v = g_pos[:, None] * u_pos + np.einsum('nk,nkd->nd', g_neg, u_neg)\n"
    "    return grad_v, g_pos[:, None] * v, g_neg[:, :, None] * v[:, None, :]\n"
)

WRONG = [{
    "solution": "one_hot_solution",
    # Ids counted from 1: the one-hot column is one to the left of the id.
    "source": (
        "def one_hot(ids, vocab_size):\n"
        "    ids = np.asarray(ids)\n"
        "    return (ids[..., None] == np.arange(1, vocab_size + 1)).astype(np.float64)\n"
        "\n"
        "\n"
        "def embed_by_one_hot(ids, weights):\n"
        "    weights = np.asarray(weights, dtype=np.float64)\n"
        "    return one_hot(ids, weights.shape[0]) @ weights\n"
    ),
}, {
    "solution": "one_hot_solution",
    # The ids flattened: a batch of sequences loses its shape.
    "source": (
        "def one_hot(ids, vocab_size):\n"
        "    return np.eye(vocab_size)[np.ravel(ids)]\n"
        "\n"
        "\n"
        "def embed_by_one_hot(ids, weights):\n"
        "    return one_hot(ids, len(weights)) @ np.asarray(weights, dtype=np.float64)\n"
    ),
}, {
    "solution": "adam_rows_solution",
    # SGD's answer: only the rows of the second batch.
    "source": "adam_rows_moved = [1, 2, 5]\n",
}, {
    "solution": "adam_rows_solution",
    # Every row: Adam taken to move rows it has never seen.
    "source": "adam_rows_moved = list(range(10))\n",
}, {
    "solution": "pair_count_solution",
    # 2 n window: forgets that the window is cut at both ends of the text.
    "source": (
        "def pair_count(n, window):\n"
        "    return 2 * n * window\n"
    ),
}, {
    "solution": "pair_count_solution",
    # Right at both ends, but a window longer than the text gives negative terms.
    "source": (
        "def pair_count(n, window):\n"
        "    return sum(2 * (n - offset) for offset in range(1, window + 1))\n"
    ),
}, {
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
}, {
    "solution": "skipgram_pairs_solution",
    # Contexts to the right only: each pair appears in one direction.
    "source": (
        "def skipgram_pairs(ids, window):\n"
        "    ids = np.asarray(ids)\n"
        "    parts = [np.zeros((0, 2), dtype=np.int64)]\n"
        "    for offset in range(1, min(window, len(ids) - 1) + 1):\n"
        "        parts.append(np.stack([ids[:-offset], ids[offset:]], axis=1))\n"
        "    return np.concatenate(parts).astype(np.int64)\n"
    ),
}, {
    "solution": "noise_distribution_solution",
    # The power applied to the probabilities, then not renormalised.
    "source": (
        "def noise_distribution(ids, vocab_size, power=0.75):\n"
        "    counts = np.bincount(np.asarray(ids), minlength=vocab_size).astype(np.float64)\n"
        "    return (counts / counts.sum()) ** power\n"
    ),
}, {
    "solution": "noise_distribution_solution",
    # Counts only the ids that occur, so the array is too short when the last ids never do.
    "source": (
        "def noise_distribution(ids, vocab_size, power=0.75):\n"
        "    weights = np.bincount(np.asarray(ids)).astype(np.float64) ** power\n"
        "    return weights / weights.sum()\n"
    ),
}, {
    "solution": "draw_negatives_solution",
    # Never redraws: some negatives are the true context (Keras' legacy skipgrams).
    "source": (
        "def draw_negatives(contexts, k, probs, rng):\n"
        "    return rng.choice(len(probs), size=(len(contexts), k), p=probs)\n"
    ),
}, {
    "solution": "draw_negatives_solution",
    # Replaces a clash by the next id instead of a fresh draw: that id is drawn too often.
    "source": (
        "def draw_negatives(contexts, k, probs, rng):\n"
        "    contexts = np.asarray(contexts)\n"
        "    negatives = rng.choice(len(probs), size=(len(contexts), k), p=probs)\n"
        "    clash = negatives == contexts[:, None]\n"
        "    negatives[clash] = (negatives[clash] + 1) % len(probs)\n"
        "    return negatives\n"
    ),
}, {
    "solution": "untrained_loss_solution",
    # Sums over the 1 + K logits instead of averaging.
    "source": "untrained_loss = {5: 6 * 0.693, 20: 21 * 0.693}\n",
}, {
    "solution": "untrained_loss_solution",
    # The cross-entropy of a uniform guess over 1 + K candidates (a softmax), not of logistic units.
    "source": "untrained_loss = {5: 1.792, 20: 3.045}\n",
}, {
    "solution": "sgns_gradients_solution",
    # Forgets the -1 of the true pair: sigma(s) instead of sigma(s) - 1.
    "source": SGNS_GRADIENTS_BY_HAND.replace(" - 1.0\n", "\n"),
}, {
    "solution": "sgns_gradients_solution",
    # The negatives weighted by sigma(-s) = 1 - sigma(s): the chain rule's inner sign dropped.
    "source": SGNS_GRADIENTS_BY_HAND.replace("np.exp(-s_neg)", "np.exp(s_neg)"),
}, {
    "solution": "cosine_neighbours_solution",
    # Ranks by the raw dot product: long vectors come first.
    "source": (
        "def cosine_neighbours(vectors, query, k):\n"
        "    vectors = np.asarray(vectors, dtype=np.float64)\n"
        "    similarity = vectors @ vectors[query]\n"
        "    similarity[query] = -np.inf\n"
        "    return np.argsort(-similarity)[:k]\n"
    ),
}, {
    "solution": "cosine_neighbours_solution",
    # Forgets to exclude the query: every word is its own nearest neighbour.
    "source": (
        "def cosine_neighbours(vectors, query, k):\n"
        "    vectors = np.asarray(vectors, dtype=np.float64)\n"
        "    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)\n"
        "    return np.argsort(-(unit @ unit[query]))[:k]\n"
    ),
}]

ALTERNATIVE = [{
    "solution": "one_hot_solution",
    # Rows of an identity matrix, and the embedding as a row lookup (allowed: same rows).
    "source": (
        "def one_hot(ids, vocab_size):\n"
        "    return np.eye(vocab_size)[np.asarray(ids)]\n"
        "\n"
        "\n"
        "def embed_by_one_hot(ids, weights):\n"
        "    return np.asarray(weights, dtype=np.float64)[np.asarray(ids)]\n"
    ),
}, {
    "solution": "adam_rows_solution",
    # A set, in no order.
    "source": "adam_rows_moved = {9, 7, 5, 3, 2, 1, 0}\n",
}, {
    "solution": "pair_count_solution",
    # The closed form: m = min(window, n - 1) offsets, 2 (n - o) pairs each.
    "source": (
        "def pair_count(n, window):\n"
        "    m = min(window, n - 1)\n"
        "    return m * (2 * n - m - 1)\n"
    ),
}, {
    "solution": "skipgram_pairs_solution",
    # One loop over the signed offsets, with a position mask per offset (size n, not n x n).
    "source": (
        "def skipgram_pairs(ids, window):\n"
        "    ids = np.asarray(ids)\n"
        "    positions = np.arange(len(ids))\n"
        "    rows = []\n"
        "    for offset in [o for o in range(-window, window + 1) if o != 0]:\n"
        "        ok = (positions + offset >= 0) & (positions + offset < len(ids))\n"
        "        rows.append(np.stack([ids[positions[ok]], ids[positions[ok] + offset]], axis=1))\n"
        "    return np.concatenate(rows) if rows else np.zeros((0, 2), dtype=np.int64)\n"
    ),
}, {
    "solution": "sgns_gradients_solution",
    # Loops over rows and negatives, with sigma written through tanh.
    "source": (
        "def sgns_gradients(v, u_pos, u_neg):\n"
        "    v, u_pos, u_neg = (np.asarray(a, dtype=np.float64) for a in (v, u_pos, u_neg))\n"
        "    sig = lambda x: 0.5 * (1.0 + np.tanh(x / 2))\n"
        "    grad_v, grad_pos, grad_neg = np.zeros_like(v), np.zeros_like(u_pos), np.zeros_like(u_neg)\n"
        "    for i in range(len(v)):\n"
        "        w = sig(u_pos[i] @ v[i]) - 1.0\n"
        "        grad_v[i] += w * u_pos[i]\n"
        "        grad_pos[i] = w * v[i]\n"
        "        for k in range(u_neg.shape[1]):\n"
        "            w = sig(u_neg[i, k] @ v[i])\n"
        "            grad_v[i] += w * u_neg[i, k]\n"
        "            grad_neg[i, k] = w * v[i]\n"
        "    return grad_v, grad_pos, grad_neg\n"
    ),
}]
