"""What the tests expect of lab 02_cnn_architectures: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/02_cnn_architectures/metrics.toml."""

# A correct count by hand: each layer_cost WRONG below changes exactly one thing in it.
LAYER_COST_BY_HAND = (
    "def layer_cost(kind, input_shape, filters=None, kernel_size=1, strides=1, padding='valid',\n"
    "               use_bias=True):\n"
    "    if kind == 'dense':\n"
    "        weights = input_shape[0] * filters\n"
    "        return weights + (filters if use_bias else 0), weights, (filters,)\n"
    "    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size\n"
    "    sh, sw = (strides, strides) if isinstance(strides, int) else strides\n"
    "    h, w, c = input_shape\n"
    "    if padding == 'valid':\n"
    "        ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1\n"
    "    else:\n"
    "        ho, wo = -(-h // sh), -(-w // sw)\n"
    "    if kind == 'conv':\n"
    "        weights, out_c = kh * kw * c * filters, filters\n"
    "    elif kind == 'depthwise':\n"
    "        weights, out_c = kh * kw * c, c\n"
    "    else:\n"
    "        weights, out_c = kh * kw * c + c * filters, filters\n"
    "    return weights + (out_c if use_bias else 0), ho * wo * weights, (ho, wo, out_c)\n"
)

WRONG = [{
    "solution": "receptive_field_solution",
    # Adds up the kernels and ignores the strides: every layer widens the field by k - 1 pixels.
    "source": (
        "def receptive_field(stack):\n"
        "    return 1 + sum(kernel_size - 1 for kernel_size, stride in stack)\n"
    ),
}, {
    "solution": "layer_cost_solution",
    # MACs forget the output spatial size: each weight counted once, as in a dense layer.
    "source": LAYER_COST_BY_HAND.replace("ho * wo * weights, (ho", "weights, (ho"),
}, {
    "solution": "stack_vs_large_solution",
    # Forgets that every kernel spans all 64 input channels.
    "source": (
        "params_one_5x5 = 5 * 5 * 64\n"
        "params_two_3x3 = 2 * 3 * 3 * 64\n"
        "params_one_7x7 = 7 * 7 * 64\n"
        "params_three_3x3 = 3 * 3 * 3 * 64\n"
        "rf_three_3x3 = 7\n"
    ),
}, {
    "solution": "residual_block_solution",
    # A plain block: the shortcut is missing, so zeroed weights give 0, not the input.
    "source": (
        "def residual_block(x, filters, stride=1):\n"
        "    y = layers.Conv2D(filters, 3, strides=stride, padding='same', use_bias=False)(x)\n"
        "    y = layers.BatchNormalization()(y)\n"
        "    y = layers.ReLU()(y)\n"
        "    y = layers.Conv2D(filters, 3, padding='same', use_bias=False)(y)\n"
        "    y = layers.BatchNormalization()(y)\n"
        "    return layers.ReLU()(y)\n"
    ),
}, {
    "solution": "occlusion_map_solution",
    # Occludes the caller's image in place: the hidden squares pile up from one position to the next.
    "source": (
        "def occlusion_map(probability_fn, image, label, patch=7, stride=2, fill=0.0):\n"
        "    rows = (image.shape[0] - patch) // stride + 1\n"
        "    cols = (image.shape[1] - patch) // stride + 1\n"
        "    original = np.asarray(probability_fn(image[None]))[0, label]\n"
        "    drop = np.zeros((rows, cols))\n"
        "    for i in range(rows):\n"
        "        for j in range(cols):\n"
        "            occluded = image\n"
        "            occluded[i * stride:i * stride + patch, j * stride:j * stride + patch] = fill\n"
        "            drop[i, j] = original - np.asarray(probability_fn(occluded[None]))[0, label]\n"
        "    return drop\n"
    ),
}, {
    "solution": "receptive_field_solution",
    # Measures instead of deriving: the lab's brute-force helper, which sees only 200 pixels.
    "source": (
        "def receptive_field(stack):\n"
        "    return receptive_field_by_brute_force(stack)\n"
    ),
}, {
    "solution": "receptive_field_solution",
    # Lets a layer's own stride widen its own field.
    "source": (
        "def receptive_field(stack):\n"
        "    field, jump = 1, 1\n"
        "    for kernel_size, stride in stack:\n"
        "        jump *= stride\n"
        "        field += (kernel_size - 1) * jump\n"
        "    return field\n"
    ),
}, {
    "solution": "layer_cost_solution",
    # Asks Keras instead of counting by hand: builds the layer, counts its weights and positions.
    "source": (
        "import numpy as np\n"
        "from keras import layers\n"
        "\n"
        "\n"
        "def layer_cost(kind, input_shape, filters=None, kernel_size=1, strides=1, padding='valid',\n"
        "               use_bias=True):\n"
        "    if kind == 'dense':\n"
        "        layer = layers.Dense(filters, use_bias=use_bias)\n"
        "    elif kind == 'conv':\n"
        "        layer = layers.Conv2D(filters, kernel_size, strides, padding, use_bias=use_bias)\n"
        "    elif kind == 'depthwise':\n"
        "        layer = layers.DepthwiseConv2D(kernel_size, strides, padding, use_bias=use_bias)\n"
        "    else:\n"
        "        layer = layers.SeparableConv2D(filters, kernel_size, strides, padding,\n"
        "                                       use_bias=use_bias)\n"
        "    layer.build((None, *input_shape))\n"
        "    out = tuple(int(n) for n in layer.compute_output_shape((None, *input_shape))[1:])\n"
        "    kernels = sum(int(np.prod(w.shape)) for w in layer.weights if len(w.shape) > 1)\n"
        "    positions = int(np.prod(out[:-1])) if kind != 'dense' else 1\n"
        "    return int(layer.count_params()), positions * kernels, out\n"
    )
}, {
    "solution": "layer_cost_solution",
    # 'same' padding rounded down: n // s output positions instead of ceil(n / s).
    "source": LAYER_COST_BY_HAND.replace("-(-h // sh), -(-w // sw)", "h // sh, w // sw"),
}, {
    "solution": "residual_block_solution",
    # A ReLU on the residual branch before the sum: the branch can no longer subtract.
    "source": (
        "def residual_block(x, filters, stride=1):\n"
        "    shortcut = x\n"
        "    if stride != 1 or x.shape[-1] != filters:\n"
        "        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)\n"
        "        shortcut = layers.BatchNormalization()(shortcut)\n"
        "    y = layers.Conv2D(filters, 3, strides=stride, padding='same', use_bias=False)(x)\n"
        "    y = layers.ReLU()(layers.BatchNormalization()(y))\n"
        "    y = layers.Conv2D(filters, 3, padding='same', use_bias=False)(y)\n"
        "    y = layers.ReLU()(layers.BatchNormalization()(y))\n"
        "    return layers.ReLU()(layers.Add()([y, shortcut]))\n"
    ),
}, {
    "solution": "residual_block_solution",
    # The stride on the second 3x3 convolution: same shapes, different function.
    "source": (
        "def residual_block(x, filters, stride=1):\n"
        "    shortcut = x\n"
        "    if stride != 1 or x.shape[-1] != filters:\n"
        "        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)\n"
        "        shortcut = layers.BatchNormalization()(shortcut)\n"
        "    y = layers.Conv2D(filters, 3, padding='same', use_bias=False)(x)\n"
        "    y = layers.ReLU()(layers.BatchNormalization()(y))\n"
        "    y = layers.Conv2D(filters, 3, strides=stride, padding='same', use_bias=False)(y)\n"
        "    y = layers.BatchNormalization()(y)\n"
        "    return layers.ReLU()(layers.Add()([y, shortcut]))\n"
    ),
}, {
    "solution": "occlusion_map_solution",
    # Rows and columns swapped: the square's top-left corner at (j * stride, i * stride).
    "source": (
        "def occlusion_map(probability_fn, image, label, patch=7, stride=2, fill=0.0):\n"
        "    image = np.asarray(image, dtype=float)\n"
        "    rows = (image.shape[0] - patch) // stride + 1\n"
        "    cols = (image.shape[1] - patch) // stride + 1\n"
        "    base = np.asarray(probability_fn(image[None]))[0, label]\n"
        "    drop = np.zeros((rows, cols))\n"
        "    for i in range(rows):\n"
        "        for j in range(cols):\n"
        "            copy = image.copy()\n"
        "            copy[j * stride:j * stride + patch, i * stride:i * stride + patch] = fill\n"
        "            drop[i, j] = base - np.asarray(probability_fn(copy[None]))[0, label]\n"
        "    return drop\n"
    ),
}, {
    "solution": "saliency_map_solution",
    # The signed gradient: the largest over the channels without taking magnitudes.
    "source": (
        "def saliency_map(model, image, label):\n"
        "    x = tf.convert_to_tensor(np.asarray(image, dtype='float32')[None])\n"
        "    with tf.GradientTape() as tape:\n"
        "        tape.watch(x)\n"
        "        score = model(x, training=False)[0, label]\n"
        "    return tape.gradient(score, x)[0].numpy().max(axis=-1)\n"
    ),
}, {
    "solution": "saliency_map_solution",
    # The gradient of the softmax probability instead of the class score.
    "source": (
        "def saliency_map(model, image, label):\n"
        "    x = tf.convert_to_tensor(np.asarray(image, dtype='float32')[None])\n"
        "    with tf.GradientTape() as tape:\n"
        "        tape.watch(x)\n"
        "        probability = tf.nn.softmax(model(x, training=False))[0, label]\n"
        "    return np.abs(tape.gradient(probability, x)[0].numpy()).max(axis=-1)\n"
    ),
}, {
    "solution": "saliency_map_solution",
    # Adds the channels' magnitudes instead of taking the largest.
    "source": (
        "def saliency_map(model, image, label):\n"
        "    x = tf.convert_to_tensor(np.asarray(image, dtype='float32')[None])\n"
        "    with tf.GradientTape() as tape:\n"
        "        tape.watch(x)\n"
        "        score = model(x, training=False)[0, label]\n"
        "    return np.abs(tape.gradient(score, x)[0].numpy()).sum(axis=-1)\n"
    ),
}]

ALTERNATIVE = [{
    "solution": "receptive_field_solution",
    # Works top-down: the field of one unit, mapped back through each layer to the input.
    "source": (
        "def receptive_field(stack):\n"
        "    field = 1\n"
        "    for kernel_size, stride in reversed(stack):\n"
        "        field = (field - 1) * stride + kernel_size\n"
        "    return field\n"
    ),
}, {
    "solution": "layer_cost_solution",
    # By hand, another way: 'same' as (n + s - 1) // s, 'valid' as ceil((n - k + 1) / s),
    # weights per kind from a table of (kernel weights, output channels).
    "source": (
        "import math\n"
        "\n"
        "\n"
        "def layer_cost(kind, input_shape, filters=None, kernel_size=1, strides=1, padding='valid',\n"
        "               use_bias=True):\n"
        "    if kind == 'dense':\n"
        "        n = input_shape[0] * filters\n"
        "        return n + filters * int(bool(use_bias)), n, (filters,)\n"
        "    ks = [kernel_size] * 2 if isinstance(kernel_size, int) else list(kernel_size)\n"
        "    ss = [strides] * 2 if isinstance(strides, int) else list(strides)\n"
        "    c = input_shape[2]\n"
        "    out = []\n"
        "    for n, k, s in zip(input_shape[:2], ks, ss):\n"
        "        out.append((n + s - 1) // s if padding == 'same' else math.ceil((n - k + 1) / s))\n"
        "    area = ks[0] * ks[1]\n"
        "    table = {'conv': (area * c * (filters or 0), filters),\n"
        "             'depthwise': (area * c, c),\n"
        "             'separable': (area * c + c * (filters or 0), filters)}\n"
        "    weights, channels = table[kind]\n"
        "    biases = channels if use_bias else 0\n"
        "    return weights + biases, weights * out[0] * out[1], (out[0], out[1], channels)\n"
    ),
}, {
    "solution": "residual_block_solution",
    # keras.layers.add and Activation layers, shortcut built after the residual branch.
    "source": (
        "def residual_block(x, filters, stride=1):\n"
        "    branch = layers.Conv2D(filters, (3, 3), strides=(stride, stride), padding='same',\n"
        "                           use_bias=False)(x)\n"
        "    branch = layers.Activation('relu')(layers.BatchNormalization()(branch))\n"
        "    branch = layers.BatchNormalization()(\n"
        "        layers.Conv2D(filters, (3, 3), padding='same', use_bias=False)(branch))\n"
        "    if stride == 1 and x.shape[-1] == filters:\n"
        "        skip = x\n"
        "    else:\n"
        "        skip = layers.BatchNormalization()(\n"
        "            layers.Conv2D(filters, (1, 1), strides=(stride, stride), use_bias=False)(x))\n"
        "    return layers.Activation('relu')(layers.add([branch, skip]))\n"
    ),
}, {
    "solution": "occlusion_map_solution",
    # One position at a time with a fresh copy, probabilities asked image by image.
    "source": (
        "def occlusion_map(probability_fn, image, label, patch=7, stride=2, fill=0.0):\n"
        "    image = np.array(image, dtype=float)\n"
        "    base = float(np.asarray(probability_fn(image[np.newaxis]))[0][label])\n"
        "    tops = range(0, image.shape[0] - patch + 1, stride)\n"
        "    lefts = range(0, image.shape[1] - patch + 1, stride)\n"
        "    out = np.empty((len(tops), len(lefts)))\n"
        "    for a, top in enumerate(tops):\n"
        "        for b, left in enumerate(lefts):\n"
        "            copy = image.copy()\n"
        "            copy[top:top + patch, left:left + patch] = fill\n"
        "            out[a, b] = base - float(np.asarray(probability_fn(copy[np.newaxis]))[0][label])\n"
        "    return out\n"
    ),
}, {
    "solution": "saliency_map_solution",
    # A Variable instead of watch, the score picked with a one-hot mask, tf.reduce_max.
    "source": (
        "def saliency_map(model, image, label):\n"
        "    x = tf.Variable(tf.cast(image, tf.float32)[tf.newaxis])\n"
        "    with tf.GradientTape() as tape:\n"
        "        scores = model(x)\n"
        "        score = tf.reduce_sum(scores * tf.one_hot(label, scores.shape[-1]))\n"
        "    return tf.reduce_max(tf.abs(tape.gradient(score, x)), axis=-1)[0].numpy()\n"
    ),
}]
