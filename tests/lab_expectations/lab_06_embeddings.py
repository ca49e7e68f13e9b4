"""What the tests expect of lab 06_embeddings: its quick-run bounds and the answers the grading loop
submits (see tests/lab_expectations/__init__.py)."""

QUICK_BOUNDS = [("related pairs found", ">=", 4), ("related pairs found (random vectors)", "<=", 2),
              ("play accuracy gain from skip-gram embeddings", ">=", 0.03)]

WRONG = [{
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
}]

ALTERNATIVE = [{
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
}]
