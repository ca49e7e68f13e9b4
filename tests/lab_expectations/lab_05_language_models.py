"""What the tests expect of lab 05_language_models: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/05_language_models/metrics.toml."""

WRONG = [{
    "solution": "next_char_windows_solution",
    # One window too few: m = len // seq_len - 1 drops a window even when all its targets exist.
    "source": (
        "def next_char_windows(ids, seq_len):\n"
        "    ids = np.asarray(ids)\n"
        "    m = len(ids) // seq_len - 1\n"
        "    x = ids[: m * seq_len].reshape(m, seq_len)\n"
        "    y = ids[1 : m * seq_len + 1].reshape(m, seq_len)\n"
        "    return x, y\n"
    ),
}, {
    "solution": "next_char_windows_solution",
    # Targets shifted inside each window: the last target wraps round to the window's first character.
    "source": (
        "def next_char_windows(ids, seq_len):\n"
        "    ids = np.asarray(ids)\n"
        "    m = (len(ids) - 1) // seq_len\n"
        "    x = ids[: m * seq_len].reshape(m, seq_len)\n"
        "    return x, np.roll(x, -1, axis=1)\n"
    ),
}, {
    "solution": "cross_entropy_solution",
    # Logarithms to base 10: "nats" that are not nats, and a perplexity to match.
    "source": (
        "def cross_entropy_and_perplexity(probs, targets):\n"
        "    probs = np.asarray(probs, dtype=np.float64)\n"
        "    nats = float(-np.mean(np.log10(probs[np.arange(len(targets)), targets])))\n"
        "    return nats, float(10 ** nats)\n"
    ),
}, {
    "solution": "cross_entropy_solution",
    # Perplexity as 2 ** H, although H is in nats.
    "source": (
        "def cross_entropy_and_perplexity(probs, targets):\n"
        "    probs = np.asarray(probs, dtype=np.float64)\n"
        "    nats = float(-np.mean(np.log(probs[np.arange(len(targets)), targets])))\n"
        "    return nats, float(2 ** nats)\n"
    ),
}, {
    "solution": "untrained_nats_solution",
    # Bits, not nats.
    "source": "untrained_nats = math.log2(65)\n",
}, {
    "solution": "untrained_nats_solution",
    # The 26 letters of the alphabet, not this vocabulary.
    "source": "untrained_nats = math.log(26)\n",
}, {
    "solution": "best_model_solution",
    # Units ignored: 1.50 is the smallest number on the three reports.
    "source": 'best_model = "B"\n',
}, {
    "solution": "best_model_solution",
    # Higher perplexity taken for better.
    "source": 'best_model = "A"\n',
}, {
    "solution": "likelihood_ratio_solution",
    # Bits read as nats: the best model taken to be B.
    "source": "likelihood_ratio = 5.0 / math.exp(1.5)\n",
}, {
    "solution": "likelihood_ratio_solution",
    # The ratio of the losses instead of the ratio of the perplexities.
    "source": "likelihood_ratio = math.log(5.0) / (2.10 * math.log(2))\n",
}, {
    "solution": "add_k_bigram_solution",
    # Fancy-index += counts a repeated pair only once.
    "source": (
        "def add_k_bigram(ids, vocab_size, k):\n"
        "    ids = np.asarray(ids)\n"
        "    counts = np.zeros((vocab_size, vocab_size))\n"
        "    counts[ids[:-1], ids[1:]] += 1\n"
        "    return (counts + k) / (counts.sum(axis=1, keepdims=True) + k * vocab_size)\n"
    ),
}, {
    "solution": "add_k_bigram_solution",
    # The table transposed: P[b, a] instead of P[a, b].
    "source": (
        "def add_k_bigram(ids, vocab_size, k):\n"
        "    ids = np.asarray(ids)\n"
        "    counts = np.zeros((vocab_size, vocab_size))\n"
        "    np.add.at(counts, (ids[1:], ids[:-1]), 1)\n"
        "    return (counts + k) / (counts.sum(axis=1, keepdims=True) + k * vocab_size)\n"
    ),
}, {
    "solution": "bengio_param_count_solution",
    # One embedding table per context position.
    "source": (
        "def bengio_param_count(vocab_size, context, embed_dim, hidden):\n"
        "    return (context * vocab_size * embed_dim + context * embed_dim * hidden + hidden\n"
        "            + hidden * vocab_size + vocab_size)\n"
    ),
}, {
    "solution": "bengio_param_count_solution",
    # The biases forgotten.
    "source": (
        "def bengio_param_count(vocab_size, context, embed_dim, hidden):\n"
        "    return vocab_size * embed_dim + context * embed_dim * hidden + hidden * vocab_size\n"
    ),
}, {
    "solution": "recurrent_param_counts_solution",
    # The textbook GRU with one bias per block (reset_after=False), not Keras' default.
    "source": (
        "def recurrent_param_counts(vocab_size, embed_dim, units):\n"
        "    outer = vocab_size * embed_dim + units * vocab_size + vocab_size\n"
        "    block = embed_dim * units + units * units + units\n"
        "    return outer + block, outer + 3 * block\n"
    ),
}, {
    "solution": "recurrent_param_counts_solution",
    # The recurrent kernel forgotten: a Dense layer per time step, not a recurrence.
    "source": (
        "def recurrent_param_counts(vocab_size, embed_dim, units):\n"
        "    outer = vocab_size * embed_dim + units * vocab_size + vocab_size\n"
        "    return outer + embed_dim * units + units, outer + 3 * (embed_dim * units + 2 * units)\n"
    ),
}, {
    "solution": "sample_next_solution",
    # Multiplies by the temperature instead of dividing.
    "source": (
        "def sample_next(logits, temperature, rng, top_k=None):\n"
        "    scaled = np.asarray(logits, dtype=np.float64) * temperature\n"
        "    if top_k is not None:\n"
        "        threshold = np.sort(scaled)[-top_k]\n"
        "        scaled = np.where(scaled >= threshold, scaled, -np.inf)\n"
        "    probs = np.exp(scaled - np.max(scaled))\n"
        "    probs /= probs.sum()\n"
        "    return int(rng.choice(len(probs), p=probs))\n"
    ),
}, {
    "solution": "sample_next_solution",
    # NumPy's global generator instead of the given one: the same seed no longer gives the same text.
    "source": (
        "def sample_next(logits, temperature, rng, top_k=None):\n"
        "    scaled = np.asarray(logits, dtype=np.float64) / temperature\n"
        "    if top_k is not None:\n"
        "        threshold = np.sort(scaled)[-top_k]\n"
        "        scaled = np.where(scaled >= threshold, scaled, -np.inf)\n"
        "    probs = np.exp(scaled - np.max(scaled))\n"
        "    probs /= probs.sum()\n"
        "    return int(np.random.choice(len(probs), p=probs))\n"
    ),
}]

ALTERNATIVE = [{
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
}, {
    "solution": "untrained_nats_solution",
    # Rounded to three significant figures.
    "source": "untrained_nats = 4.17\n",
}, {
    "solution": "likelihood_ratio_solution",
    # Rounded to three significant figures.
    "source": "likelihood_ratio = 1.17\n",
}, {
    "solution": "best_model_solution",
    # Worked out in code, in nats.
    "source": (
        "nats = {'A': math.log(5.0), 'B': 1.50, 'C': 2.10 * math.log(2)}\n"
        "best_model = min(nats, key=nats.get)\n"
    ),
}, {
    "solution": "recurrent_param_counts_solution",
    # Layer by layer, the GRU as three gates of two kernels and two biases.
    "source": (
        "def recurrent_param_counts(vocab_size, embed_dim, units):\n"
        "    def gate(n_in, n_out, biases):\n"
        "        return n_in * n_out + n_out * n_out + biases * n_out\n"
        "    common = vocab_size * embed_dim + (units + 1) * vocab_size\n"
        "    return int(common + gate(embed_dim, units, 1)), int(common + 3 * gate(embed_dim, units, 2))\n"
    ),
}]
