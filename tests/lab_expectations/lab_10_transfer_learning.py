"""What the tests expect of lab 10_transfer_learning: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/10_transfer_learning/metrics.toml."""

# k-means by hand: each refine_prototypes WRONG below changes one thing in it.
REFINE_PROTOTYPES_BY_HAND = (
    "def refine_prototypes(prototypes, unlabelled, steps):\n"
    "    prototypes = np.array(prototypes, dtype=float)\n"
    "    unlabelled = np.asarray(unlabelled, dtype=float)\n"
    "    for _ in range(steps):\n"
    "        distances = ((unlabelled[:, None] - prototypes[None]) ** 2).sum(-1)\n"
    "        nearest = distances.argmin(axis=1)\n"
    "        for c in range(len(prototypes)):\n"
    "            if np.any(nearest == c):\n"
    "                prototypes[c] = unlabelled[nearest == c].mean(axis=0)\n"
    "    return prototypes\n"
)

WRONG = [{
    "solution": "few_shot_indices_solution",
    # Takes the first `shots` images of every class, whatever the seed: deterministic, but every
    # "draw" is the same one, and the spread over draws is zero.
    "source": (
        "def few_shot_indices(labels, shots, seed):\n"
        "    labels = np.asarray(labels)\n"
        "    picked = []\n"
        "    for label in np.unique(labels):\n"
        "        members = np.flatnonzero(labels == label)\n"
        "        if len(members) < shots:\n"
        "            raise ValueError('too few images')\n"
        "        picked.append(members[:shots])\n"
        "    return np.concatenate(picked)\n"
    ),
}, {
    "solution": "freeze_blocks_solution",
    # Freezes the Conv2D layers only: forgets their BatchNormalization layers (gamma, beta).
    "source": (
        "def freeze_blocks(model, n):\n"
        "    convs = [layer for layer in model.layers if isinstance(layer, layers.Conv2D)]\n"
        "    for i, layer in enumerate(convs):\n"
        "        layer.trainable = i >= n\n"
        "    return int(sum(np.prod(w.shape) for w in model.trainable_weights))\n"
    ),
}, {
    "solution": "nearest_class_mean_solution",
    # The draft's bug left in: it normalises the prototypes (means of the raw vectors), not the
    # support vectors, so a long support vector still pulls its prototype.
    "source": (
        "def nearest_class_mean(support_features, support_labels, query_features):\n"
        "    support = np.asarray(support_features, dtype=float)\n"
        "    query = np.asarray(query_features, dtype=float)\n"
        "    labels = np.asarray(support_labels)\n"
        "    classes = np.unique(labels)\n"
        "    prototypes = np.stack([support[labels == c].mean(axis=0) for c in classes])\n"
        "    prototypes = prototypes / np.linalg.norm(prototypes, axis=1, keepdims=True)\n"
        "    query = query / np.linalg.norm(query, axis=1, keepdims=True)\n"
        "    distances = ((query[:, None] - prototypes[None]) ** 2).sum(-1)\n"
        "    return classes[distances.argmin(axis=1)]\n"
    ),
}, {
    "solution": "refine_prototypes_solution",
    # One round of k-means whatever `steps` says: the prototypes move once, to the means of a
    # single assignment, and never get the assignment redone.
    "source": REFINE_PROTOTYPES_BY_HAND.replace("range(steps)", "range(min(steps, 1))"),
}, {
    "solution": "read_the_curves_solution",
    # Picks the run whose training and validation accuracy still climb together as the one
    # that overfits.
    "source": 'answers = {"overfitting": "B", "stop_step": 100, "reason": 2, "far_source": "sooner"}\n',
}, {
    "solution": "bn_prediction_solution",
    # Trusts the training=False written in the call.
    "source": 'bn_prediction = {"training_false_in_call": "unchanged", "bn_not_trainable": "unchanged"}\n',
}, {
    "solution": "few_shot_indices_solution",
    # Seeds NumPy's global generator: reproducible, but it changes the global random state.
    "source": (
        "def few_shot_indices(labels, shots, seed):\n"
        "    labels = np.asarray(labels)\n"
        "    np.random.seed(seed)\n"
        "    picked = []\n"
        "    for label in np.unique(labels):\n"
        "        members = np.flatnonzero(labels == label)\n"
        "        if len(members) < shots:\n"
        "            raise ValueError('too few images')\n"
        "        picked.append(np.random.choice(members, size=shots, replace=False))\n"
        "    return np.concatenate(picked)\n"
    ),
}, {
    "solution": "nearest_class_mean_solution",
    # Half a fix: normalises the support vectors now, but drops the queries' normalisation.
    "source": (
        "def nearest_class_mean(support_features, support_labels, query_features):\n"
        "    support = np.asarray(support_features, dtype=float)\n"
        "    support = support / np.linalg.norm(support, axis=1, keepdims=True)\n"
        "    query = np.asarray(query_features, dtype=float)\n"
        "    labels = np.asarray(support_labels)\n"
        "    classes = np.unique(labels)\n"
        "    prototypes = np.stack([support[labels == c].mean(axis=0) for c in classes])\n"
        "    distances = ((query[:, None] - prototypes[None]) ** 2).sum(-1)\n"
        "    return classes[distances.argmin(axis=1)]\n"
    ),
}, {
    "solution": "refine_prototypes_solution",
    # Updates the caller's array in place (np.asarray does not copy a float array).
    "source": REFINE_PROTOTYPES_BY_HAND.replace("np.array(prototypes", "np.asarray(prototypes"),
}, {
    "solution": "freeze_blocks_solution",
    # Counts every weight of the trainable layers, BN's moving mean and variance included.
    "source": (
        "def freeze_blocks(model, n):\n"
        "    convs = [i for i, layer in enumerate(model.layers) if isinstance(layer, layers.Conv2D)]\n"
        "    flatten = [i for i, layer in enumerate(model.layers) if isinstance(layer, layers.Flatten)][0]\n"
        "    split = convs[n] if n < len(convs) else flatten\n"
        "    for i, layer in enumerate(model.layers):\n"
        "        layer.trainable = i >= split\n"
        "    return int(sum(np.prod(w.shape) for layer in model.layers if layer.trainable\n"
        "                   for w in layer.weights))\n"
    ),
}, {
    "solution": "read_the_curves_solution",
    # Stops at the last step, and expects a far source task to help for longer.
    "source": 'answers = {"overfitting": "A", "stop_step": 200, "reason": 2, "far_source": "later"}\n',
}, {
    "solution": "bn_prediction_solution",
    # Expects frozen BN layers still to average the batch statistics (they are not learned by
    # gradient descent, so trainable=False would not stop them).
    "source": 'bn_prediction = {"training_false_in_call": "updated", "bn_not_trainable": "updated"}\n',
}]

ALTERNATIVE = [{
    "solution": "few_shot_indices_solution",
    # One permutation of all images, then the first `shots` of every class in that order.
    "source": (
        "def few_shot_indices(labels, shots, seed):\n"
        "    labels = np.asarray(labels)\n"
        "    order = np.random.default_rng(seed).permutation(len(labels))\n"
        "    picked = []\n"
        "    for label in np.unique(labels):\n"
        "        members = order[labels[order] == label]\n"
        "        if len(members) < shots:\n"
        "            raise ValueError(f'class {label}: only {len(members)} images')\n"
        "        picked.extend(members[:shots].tolist())\n"
        "    return np.array(picked, dtype=np.int64)\n"
    ),
}, {
    "solution": "nearest_class_mean_solution",
    # SciPy's cdist on the normalised vectors.
    "source": (
        "from scipy.spatial.distance import cdist\n"
        "\n"
        "\n"
        "def nearest_class_mean(support_features, support_labels, query_features):\n"
        "    s = np.asarray(support_features, float)\n"
        "    q = np.asarray(query_features, float)\n"
        "    s = s / np.sqrt((s * s).sum(axis=1, keepdims=True))\n"
        "    q = q / np.sqrt((q * q).sum(axis=1, keepdims=True))\n"
        "    y = np.asarray(support_labels)\n"
        "    classes = np.unique(y)\n"
        "    means = np.array([s[y == c].mean(axis=0) for c in classes])\n"
        "    return classes[cdist(q, means).argmin(axis=1)]\n"
    ),
}, {
    "solution": "refine_prototypes_solution",
    # Squared distances by the expansion |x|^2 - 2 x.p + |p|^2; sums and counts by bincount.
    "source": (
        "def refine_prototypes(prototypes, unlabelled, steps):\n"
        "    p = np.asarray(prototypes, dtype=np.float64).copy()\n"
        "    u = np.asarray(unlabelled, dtype=np.float64)\n"
        "    for _ in range(steps):\n"
        "        d = (u ** 2).sum(axis=1)[:, None] - 2 * u @ p.T + (p ** 2).sum(axis=1)[None, :]\n"
        "        a = d.argmin(axis=1)\n"
        "        counts = np.bincount(a, minlength=len(p))\n"
        "        sums = np.stack([np.bincount(a, weights=u[:, j], minlength=len(p))\n"
        "                         for j in range(u.shape[1])], axis=1)\n"
        "        filled = counts > 0\n"
        "        p[filled] = sums[filled] / counts[filled, None]\n"
        "    return p\n"
    ),
}, {
    "solution": "freeze_blocks_solution",
    # Walks the layers once, counting Conv2D layers as it goes; counts the trainable variables.
    "source": (
        "def freeze_blocks(model, n):\n"
        "    seen = 0\n"
        "    frozen = n > 0\n"
        "    for layer in model.layers:\n"
        "        if isinstance(layer, layers.Conv2D):\n"
        "            seen += 1\n"
        "            frozen = seen <= n\n"
        "        elif isinstance(layer, layers.Flatten):\n"
        "            frozen = False\n"
        "        layer.trainable = not frozen\n"
        "    return sum(int(v.numpy().size) for v in model.trainable_variables)\n"
    ),
}]
