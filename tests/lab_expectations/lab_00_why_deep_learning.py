"""What the tests expect of lab 00_why_deep_learning: its quick-run bounds and the answers the
grading loop submits (see tests/lab_expectations/__init__.py)."""

QUICK_BOUNDS = [
    ("backprop gradient check rel error", "<=", 1e-6),
    ("backprop rel error vs GradientTape", "<=", 1e-6),
    ("own-gradient MLP held-out accuracy", ">=", 0.93),
    ("batchnorm max error vs Keras", "<=", 1e-5),
    ("softmax accuracy: raw pixels", ">=", 0.85),
    ("softmax accuracy: orientation histograms", ">=", 0.92),
    ("learning curve: CNN accuracy, largest n", ">=", 0.85),
    ("matmul GFLOP/s", ">=", 0.5),
]

WRONG = [{
    "solution": "softmax_cross_entropy_solution",
    # The loss is a mean over the batch, but the gradient forgets the 1/N.
    "source": (
        "def softmax_cross_entropy(scores, y):\n"
        "    scores = np.asarray(scores, dtype=float)\n"
        "    n = scores.shape[0]\n"
        "    shifted = scores - scores.max(axis=1, keepdims=True)\n"
        "    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
        "    loss = -np.mean(np.log(probs[np.arange(n), y]))\n"
        "    dscores = probs.copy()\n"
        "    dscores[np.arange(n), y] -= 1\n"
        "    return loss, dscores\n"
    ),
}, {
    "solution": "two_layer_net_solution",
    # Backpropagates through the ReLU as if it were the identity: no mask [z > 0].
    "source": (
        "def two_layer_net(X, y, params):\n"
        "    W1, b1, W2, b2 = params['W1'], params['b1'], params['W2'], params['b2']\n"
        "    n = X.shape[0]\n"
        "    z = X @ W1 + b1\n"
        "    h = np.maximum(z, 0)\n"
        "    scores = h @ W2 + b2\n"
        "    scores = scores - scores.max(axis=1, keepdims=True)\n"
        "    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)\n"
        "    loss = -np.mean(np.log(probs[np.arange(n), y]))\n"
        "    dscores = probs.copy()\n"
        "    dscores[np.arange(n), y] -= 1\n"
        "    dscores /= n\n"
        "    dz = dscores @ W2.T\n"
        "    return loss, {'W1': X.T @ dz, 'b1': dz.sum(axis=0), 'W2': h.T @ dscores,\n"
        "                  'b2': dscores.sum(axis=0)}\n"
    ),
}, {
    "solution": "inverted_dropout_solution",
    # Drops the right entries but forgets to scale the survivors by 1 / (1 - rate).
    "source": (
        "def inverted_dropout(x, rate, training, rng):\n"
        "    if not training:\n"
        "        return x\n"
        "    return x * (rng.random(x.shape) >= rate)\n"
    ),
}, {
    "solution": "batchnorm_forward_solution",
    # Normalizes with the batch statistics at inference too (the moving averages are kept but
    # never used).
    "source": (
        "def batchnorm_forward(x, gamma, beta, moving_mean, moving_variance, training,\n"
        "                      momentum=0.99, epsilon=1e-3):\n"
        "    axes = tuple(range(x.ndim - 1))\n"
        "    mean, var = x.mean(axis=axes), x.var(axis=axes)\n"
        "    if training:\n"
        "        moving_mean = momentum * moving_mean + (1 - momentum) * mean\n"
        "        moving_variance = momentum * moving_variance + (1 - momentum) * var\n"
        "    return gamma * (x - mean) / np.sqrt(var + epsilon) + beta, moving_mean, moving_variance\n"
    ),
}, {
    "solution": "diagnosis_solution",
    # Takes the lowest training loss for the best fit and any gap for overfitting.
    "source": (
        "diagnosis = {'A': 'overfitting', 'B': 'good fit', 'C': 'underfitting'}\n"
        "stop_epoch = 20\n"
    ),
}]

ALTERNATIVE = [{
    "solution": "softmax_cross_entropy_solution",
    # SciPy's softmax and log-sum-exp with a one-hot matrix instead of fancy indexing.
    "source": (
        "import numpy as np\n"
        "from scipy.special import logsumexp, softmax\n"
        "\n"
        "\n"
        "def softmax_cross_entropy(scores, y):\n"
        "    scores = np.asarray(scores, dtype=np.float64)\n"
        "    one_hot = np.eye(scores.shape[1])[y]\n"
        "    loss = np.mean(logsumexp(scores, axis=1) - np.sum(one_hot * scores, axis=1))\n"
        "    return loss, (softmax(scores, axis=1) - one_hot) / len(scores)\n"
    ),
}, {
    "solution": "two_layer_net_solution",
    # einsum, np.where for the ReLU mask, and the log-softmax written with logsumexp.
    "source": (
        "import numpy as np\n"
        "from scipy.special import logsumexp\n"
        "\n"
        "\n"
        "def two_layer_net(X, y, params):\n"
        "    n = len(X)\n"
        "    z = np.einsum('nd,dh->nh', X, params['W1']) + params['b1']\n"
        "    h = np.where(z > 0, z, 0.0)\n"
        "    s = np.einsum('nh,hc->nc', h, params['W2']) + params['b2']\n"
        "    log_p = s - logsumexp(s, axis=1, keepdims=True)\n"
        "    one_hot = np.zeros_like(s)\n"
        "    one_hot[np.arange(n), y] = 1\n"
        "    ds = (np.exp(log_p) - one_hot) / n\n"
        "    dz = np.where(z > 0, np.einsum('nc,hc->nh', ds, params['W2']), 0.0)\n"
        "    grads = {'W2': np.einsum('nh,nc->hc', h, ds), 'b2': ds.sum(0),\n"
        "             'W1': np.einsum('nd,nh->dh', X, dz), 'b1': dz.sum(0)}\n"
        "    return float(-np.sum(one_hot * log_p) / n), grads\n"
    ),
}, {
    "solution": "inverted_dropout_solution",
    # np.where instead of multiplying by the mask.
    "source": (
        "def inverted_dropout(x, rate, training, rng):\n"
        "    if training:\n"
        "        scale = 1.0 / (1.0 - rate)\n"
        "        return np.where(rng.random(np.shape(x)) < rate, 0.0, np.asarray(x) * scale)\n"
        "    return np.array(x, copy=True)\n"
    ),
}, {
    "solution": "batchnorm_forward_solution",
    # Flattens every axis but the channels into rows, uses np.std, and reshapes back.
    "source": (
        "def batchnorm_forward(x, gamma, beta, moving_mean, moving_variance, training,\n"
        "                      momentum=0.99, epsilon=1e-3):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    rows = x.reshape(-1, x.shape[-1])\n"
        "    if training:\n"
        "        mu, sigma2 = rows.mean(axis=0), rows.std(axis=0) ** 2\n"
        "        new_mean = moving_mean + (1 - momentum) * (mu - moving_mean)\n"
        "        new_var = moving_variance + (1 - momentum) * (sigma2 - moving_variance)\n"
        "    else:\n"
        "        mu, sigma2, new_mean, new_var = moving_mean, moving_variance, moving_mean, moving_variance\n"
        "    y = (rows - mu) / np.sqrt(sigma2 + epsilon) * gamma + beta\n"
        "    return y.reshape(x.shape), new_mean, new_var\n"
    ),
}, {
    "solution": "diagnosis_solution",
    # The same answers, built from lists, with a NumPy integer for the epoch.
    "source": (
        "import numpy as np\n"
        "\n"
        "diagnosis = dict(zip(['C', 'B', 'A'], ['underfitting', 'overfitting', 'good fit']))\n"
        "stop_epoch = np.int64(7)\n"
    ),
}]
