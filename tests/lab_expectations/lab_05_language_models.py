"""What the tests expect of lab 05_language_models: its quick-run bounds and the answers the grading loop
submits (see tests/lab_expectations/__init__.py)."""

QUICK_BOUNDS = [("trigram val nats/char", "<=", 2.2), ("feedforward val nats/char", "<=", 2.8),
                   ("GRU val nats/char", "<=", 3.2), ("untrained GRU val nats/char", ">=", 4.0),
                   ("untrained GRU val nats/char", "<=", 4.35),
                   ("step vs full-prefix max probability difference", "<=", 1e-5)]

WRONG = [{
    "solution": "cross_entropy_solution",
    # Logarithms to base 10: "nats" that are not nats, and a perplexity to match.
    "source": (
        "def cross_entropy_and_perplexity(probs, targets):\n"
        "    probs = np.asarray(probs, dtype=np.float64)\n"
        "    nats = float(-np.mean(np.log10(probs[np.arange(len(targets)), targets])))\n"
        "    return nats, float(10 ** nats)\n"
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
}]
