"""What the tests expect of lab 00_why_deep_learning: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/00_why_deep_learning/metrics.toml."""

_TWO_LAYER_NET = (
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
    "    dz = {dz}\n"
    "    return loss, {{'W1': X.T @ dz, 'b1': dz.{bias}(axis=0), 'W2': h.T @ dscores,\n"
    "                  'b2': dscores.{bias}(axis=0)}}\n"
)

_BATCHNORM_BACKWARD = (
    "def batchnorm_backward(dy, x, gamma, epsilon=1e-3):\n"
    "    x, dy = np.asarray(x, dtype=float), np.asarray(dy, dtype=float)\n"
    "    axes = tuple(range(x.ndim - 1))\n"
    "    mean, var = x.mean(axis=axes), x.var(axis=axes)\n"
    "    inv_std = 1 / np.sqrt(var + epsilon)\n"
    "    x_hat = (x - mean) * inv_std\n"
    "    dx_hat = dy * gamma\n"
    "    dx = {dx}\n"
    "    return dx, (dy * x_hat).sum(axis=axes), dy.sum(axis=axes)\n"
)

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
    "solution": "softmax_cross_entropy_solution",
    # Normalizes the softmax down the batch (axis 0) instead of over the classes of each row.
    "source": (
        "def softmax_cross_entropy(scores, y):\n"
        "    scores = np.asarray(scores, dtype=float)\n"
        "    n = scores.shape[0]\n"
        "    shifted = scores - scores.max(axis=1, keepdims=True)\n"
        "    probs = np.exp(shifted) / np.exp(shifted).sum(axis=0, keepdims=True)\n"
        "    loss = -np.mean(np.log(probs[np.arange(n), y]))\n"
        "    dscores = probs.copy()\n"
        "    dscores[np.arange(n), y] -= 1\n"
        "    return loss, dscores / n\n"
    ),
}, {
    "solution": "two_layer_net_solution",
    # Backpropagates through the ReLU as if it were the identity: no mask [z > 0].
    "source": _TWO_LAYER_NET.format(dz="dscores @ W2.T", bias="sum"),
}, {
    "solution": "two_layer_net_solution",
    # Averages the bias gradients over the batch, although dscores already carries the 1/N.
    "source": _TWO_LAYER_NET.format(dz="(dscores @ W2.T) * (z > 0)", bias="mean"),
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
    "solution": "inverted_dropout_solution",
    # Scales the kept entries by 1 - rate (the original paper's test-time weight scaling) instead
    # of dividing by it.
    "source": (
        "def inverted_dropout(x, rate, training, rng):\n"
        "    if not training:\n"
        "        return x\n"
        "    return x * (rng.random(x.shape) >= rate) * (1 - rate)\n"
    ),
}, {
    "solution": "diagnosis_solution",
    # Takes the lowest training loss for the best fit and any gap for overfitting.
    "source": (
        "diagnosis = {'A': 'overfitting', 'B': 'good fit', 'C': 'underfitting'}\n"
        "stop_epoch = 20\n"
    ),
}, {
    "solution": "diagnosis_solution",
    # The right diagnosis, but the stop epoch counted from 0 (np.argmin of B's validation loss).
    "source": (
        "diagnosis = {'A': 'good fit', 'B': 'overfitting', 'C': 'underfitting'}\n"
        "stop_epoch = 6\n"
    ),
}, {
    "solution": "bn_prediction_solution",
    # Swaps the roles of momentum and 1 - momentum: the batch statistics get the weight 0.99**100.
    "source": (
        "predicted_moving_mean = 0.99 ** 100 * 10.0\n"
        "predicted_moving_variance = 0.99 ** 100 * 4.0 + (1 - 0.99 ** 100) * 1.0\n"
        "predicted_inference_output = ((12.0 - predicted_moving_mean)\n"
        "                              / (predicted_moving_variance + 1e-3) ** 0.5)\n"
    ),
}, {
    "solution": "bn_prediction_solution",
    # Thinks 100 steps are enough for the moving averages to reach the batch statistics.
    "source": (
        "predicted_moving_mean = 10.0\n"
        "predicted_moving_variance = 4.0\n"
        "predicted_inference_output = 1.0\n"
    ),
}, {
    "solution": "batchnorm_backward_solution",
    # Treats the batch mean and variance as constants: only the direct path to x.
    "source": _BATCHNORM_BACKWARD.format(dx="dx_hat * inv_std"),
}, {
    "solution": "batchnorm_backward_solution",
    # Adds the path through the mean but forgets the one through the variance.
    "source": _BATCHNORM_BACKWARD.format(dx="(dx_hat - dx_hat.mean(axis=axes)) * inv_std"),
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
    # The mask from rng.binomial (not rng.random), np.where instead of multiplying by it.
    "source": (
        "def inverted_dropout(x, rate, training, rng):\n"
        "    x = np.asarray(x)\n"
        "    if not training:\n"
        "        return x.copy()\n"
        "    keep = rng.binomial(1, 1.0 - rate, size=x.shape).astype(bool)\n"
        "    return np.where(keep, x / (1.0 - rate), 0.0)\n"
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
}, {
    "solution": "bn_prediction_solution",
    # Runs the update rule step by step in NumPy instead of the closed form (float32 numbers).
    "source": (
        "import numpy as np\n"
        "\n"
        "mean, variance = np.float32(0), np.float32(1)\n"
        "for _ in range(100):\n"
        "    mean = np.float32(0.99) * mean + np.float32(0.01) * np.float32(10)\n"
        "    variance = np.float32(0.99) * variance + np.float32(0.01) * np.float32(4)\n"
        "predicted_moving_mean, predicted_moving_variance = mean, variance\n"
        "predicted_inference_output = (12 - mean) / np.sqrt(variance + np.float32(1e-3))\n"
    ),
}, {
    "solution": "batchnorm_backward_solution",
    # Staged like the forward pass (CS231n style): dvar, then dmean, then dx, on rows flattened
    # to (m, C).
    "source": (
        "def batchnorm_backward(dy, x, gamma, epsilon=1e-3):\n"
        "    shape = np.shape(x)\n"
        "    x = np.asarray(x, dtype=np.float64).reshape(-1, shape[-1])\n"
        "    dy = np.asarray(dy, dtype=np.float64).reshape(-1, shape[-1])\n"
        "    m = x.shape[0]\n"
        "    mu = x.mean(axis=0)\n"
        "    var = ((x - mu) ** 2).mean(axis=0)\n"
        "    std = np.sqrt(var + epsilon)\n"
        "    x_hat = (x - mu) / std\n"
        "    dx_hat = dy * gamma\n"
        "    dvar = np.sum(dx_hat * (x - mu) * -0.5 * std ** -3, axis=0)\n"
        "    dmu = np.sum(-dx_hat / std, axis=0) + dvar * np.mean(-2 * (x - mu), axis=0)\n"
        "    dx = dx_hat / std + dvar * 2 * (x - mu) / m + dmu / m\n"
        "    return dx.reshape(shape), np.sum(dy * x_hat, axis=0), np.sum(dy, axis=0)\n"
    ),
}]
