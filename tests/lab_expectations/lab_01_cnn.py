"""What the tests expect of lab 01_cnn: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/01_cnn/metrics.toml."""

# A correct multi-channel convolution by hand: each conv2d_multichannel WRONG below changes one
# thing in it.
MULTICHANNEL_BY_HAND = (
    "def conv2d_multichannel(image, kernels, bias):\n"
    "    image = np.asarray(image, dtype=float)\n"
    "    kernels = np.asarray(kernels, dtype=float)\n"
    "    kh, kw, c_in, filters = kernels.shape\n"
    "    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1\n"
    "    out = np.zeros((out_h, out_w, filters))\n"
    "    for i in range(out_h):\n"
    "        for j in range(out_w):\n"
    "            for f in range(filters):\n"
    "                out[i, j, f] = np.sum(image[i:i + kh, j:j + kw, :] * kernels[:, :, :, f]) + bias[f]\n"
    "    return out\n"
)

TIMES_SEEN_BY_HAND = (
    "def times_seen(input_length, kernel_size, padding):\n"
    "    before = (kernel_size - 1) // 2 if padding == 'same' else 0\n"
    "    outputs = input_length if padding == 'same' else input_length - kernel_size + 1\n"
    "    counts = []\n"
    "    for i in range(input_length):\n"
    "        p = i + before\n"
    "        counts.append(max(0, min(p, outputs - 1) - max(p - kernel_size + 1, 0) + 1))\n"
    "    return np.array(counts)\n"
)

BUILD_CNN = (
    "def build_cnn(input_shape=(28, 28, 1), num_classes=10):\n"
    "    return keras.Sequential([\n"
    "        keras.Input(shape=input_shape),\n"
    "        layers.Conv2D(16, 3, padding='same', activation='relu'),\n"
    "        layers.MaxPooling2D(2),\n"
    "        layers.Conv2D(32, 3, padding='same', activation='relu'),\n"
    "        layers.MaxPooling2D(2),\n"
    "        layers.Conv2D(64, 3, activation='relu'),\n"
    "        layers.MaxPooling2D(2),\n"
    "        layers.Flatten(),\n"
    "        layers.Dense(64, activation='relu'),\n"
    "        layers.Dense(num_classes, activation='softmax'),\n"
    "    ])\n"
)

WRONG = [{
    "solution": "conv_output_length_solution",
    # Forgets the "+ 1" of the 'valid' rule.
    "source": (
        "def conv_output_length(input_length, kernel_size, stride, padding):\n"
        "    if padding == 'valid':\n"
        "        return (input_length - kernel_size) // stride\n"
        "    return (input_length + stride - 1) // stride\n"
    ),
}, {
    "solution": "build_cnn_solution",
    # A stack of convolutions with no ReLU after them, only max pooling.
    "source": BUILD_CNN.replace(", activation='relu'),\n        layers.MaxPooling2D",
                                "),\n        layers.MaxPooling2D"),
}, {
    "solution": "conv2d_valid_solution",
    # The convolution of signal processing: the kernel flipped.
    "source": (
        "def conv2d_valid(image, kernel):\n"
        "    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)\n"
        "    kh, kw = kernel.shape\n"
        "    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n"
        "    for i in range(out.shape[0]):\n"
        "        for j in range(out.shape[1]):\n"
        "            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel[::-1, ::-1])\n"
        "    return out\n"
    ),
}, {
    "solution": "conv2d_multichannel_solution",
    # Only the first input channel: each kernel sees one channel, not all of them.
    "source": MULTICHANNEL_BY_HAND.replace("j:j + kw, :] * kernels[:, :, :, f]",
                                           "j:j + kw, 0] * kernels[:, :, 0, f]"),
}, {
    "solution": "times_seen_solution",
    # Ignores the edges: every sample in kernel_size windows.
    "source": (
        "def times_seen(input_length, kernel_size, padding):\n"
        "    return np.full(input_length, kernel_size)\n"
    ),
}, {
    "solution": "conv_param_count_solution",
    # Forgets that each kernel spans every input channel.
    "source": (
        "def conv_param_count(kernel_size, in_channels, filters, use_bias=True):\n"
        "    size = kernel_size if isinstance(kernel_size, int) else int(np.prod(kernel_size))\n"
        "    return size * filters + (filters if use_bias else 0)\n"
    ),
}, {
    "solution": "conv2d_strided_solution",
    # Fixes the number of windows but not where they start.
    "source": (
        "def conv2d_strided(image, kernel, stride):\n"
        "    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)\n"
        "    kh, kw = kernel.shape\n"
        "    out_h = (image.shape[0] - kh) // stride + 1\n"
        "    out_w = (image.shape[1] - kw) // stride + 1\n"
        "    out = np.zeros((out_h, out_w))\n"
        "    for i in range(out_h):\n"
        "        for j in range(out_w):\n"
        "            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)\n"
        "    return out\n"
    ),
}, {
    "solution": "max_pool2d_solution",
    # Starts each window's maximum at 0: wrong for windows of negative numbers.
    "source": (
        "def max_pool2d(x, pool_size):\n"
        "    x = np.asarray(x)\n"
        "    out = np.zeros((x.shape[0] // pool_size, x.shape[1] // pool_size))\n"
        "    for i in range(out.shape[0]):\n"
        "        for j in range(out.shape[1]):\n"
        "            best = 0.0\n"
        "            for value in x[i * pool_size:(i + 1) * pool_size,\n"
        "                           j * pool_size:(j + 1) * pool_size].ravel():\n"
        "                best = max(best, value)\n"
        "            out[i, j] = best\n"
        "    return out\n"
    ),
}, {
    "solution": "predict_stack_solution",
    # Rounds the strided 'same' convolution down: 29 // 2 = 14 instead of ceil(29 / 2) = 15.
    "source": (
        "shape_after_conv1 = (14, 14, 8)\n"
        "shape_after_pool = (7, 7, 8)\n"
        "shape_after_conv2 = (5, 5, 16)\n"
        "total_params = 224 + 1168 + 4010\n"
    ),
}, {
    "solution": "conv_output_length_solution",
    # Rounds 'same' down: input_length // stride instead of ceil(input_length / stride).
    "source": (
        "def conv_output_length(input_length, kernel_size, stride, padding):\n"
        "    if padding == 'valid':\n"
        "        return (input_length - kernel_size) // stride + 1\n"
        "    return input_length // stride\n"
    ),
}, {
    "solution": "build_cnn_solution",
    # Hard-codes ten classes: the last layer ignores num_classes.
    "source": BUILD_CNN.replace("layers.Dense(num_classes,", "layers.Dense(10,"),
}, {
    "solution": "conv2d_valid_solution",
    # Asks Keras instead of computing: a Conv2D layer with the kernel copied in.
    "source": (
        "def conv2d_valid(image, kernel):\n"
        "    kernel = np.asarray(kernel, dtype='float32')\n"
        "    layer = layers.Conv2D(1, kernel.shape, use_bias=False)\n"
        "    layer.build((None, *np.shape(image), 1))\n"
        "    layer.set_weights([kernel[:, :, None, None]])\n"
        "    return layer(np.asarray(image, dtype='float32')[None, :, :, None]).numpy()[0, :, :, 0]\n"
    ),
}, {
    "solution": "conv2d_multichannel_solution",
    # Forgets the bias.
    "source": MULTICHANNEL_BY_HAND.replace(" + bias[f]\n", "\n"),
}, {
    "solution": "times_seen_solution",
    # min(i + 1, k, n - i) for 'valid': right while the input is at least twice the kernel, but
    # no sample is in more windows than there are outputs, n - k + 1.
    "source": (
        "def times_seen(input_length, kernel_size, padding):\n"
        "    if padding == 'valid':\n"
        "        i = np.arange(input_length)\n"
        "        return np.minimum(np.minimum(i + 1, kernel_size), input_length - i)\n"
        + TIMES_SEEN_BY_HAND.split("\n", 1)[1]
    ),
}, {
    "solution": "conv_param_count_solution",
    # Asks Keras instead of counting: builds the layer and counts its weights.
    "source": (
        "def conv_param_count(kernel_size, in_channels, filters, use_bias=True):\n"
        "    size = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)\n"
        "    conv = {1: layers.Conv1D, 2: layers.Conv2D, 3: layers.Conv3D}[len(size)]\n"
        "    layer = conv(filters, size, use_bias=use_bias)\n"
        "    layer.build((None, *([20] * len(size)), in_channels))\n"
        "    return layer.count_params()\n"
    ),
}, {
    "solution": "conv2d_strided_solution",
    # Moves the windows by the stride but still drops the last window that fits.
    "source": (
        "def conv2d_strided(image, kernel, stride):\n"
        "    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)\n"
        "    kh, kw = kernel.shape\n"
        "    out_h = (image.shape[0] - kh) // stride\n"
        "    out_w = (image.shape[1] - kw) // stride\n"
        "    out = np.zeros((out_h, out_w))\n"
        "    for i in range(out_h):\n"
        "        for j in range(out_w):\n"
        "            t, l = i * stride, j * stride\n"
        "            out[i, j] = np.sum(image[t:t + kh, l:l + kw] * kernel)\n"
        "    return out\n"
    ),
}, {
    "solution": "max_pool2d_solution",
    # Asks Keras instead of computing: a MaxPooling2D layer.
    "source": (
        "def max_pool2d(x, pool_size):\n"
        "    x = np.asarray(x, dtype='float32')\n"
        "    pooled = layers.MaxPooling2D(pool_size)(x[None, :, :, None])\n"
        "    return np.asarray(pooled)[0, :, :, 0]\n"
    ),
}, {
    "solution": "predict_stack_solution",
    # Forgets the three input channels in the first convolution's weights (3*3*8 + 8 = 80).
    "source": (
        "shape_after_conv1 = (15, 15, 8)\n"
        "shape_after_pool = (7, 7, 8)\n"
        "shape_after_conv2 = (5, 5, 16)\n"
        "total_params = 80 + 1168 + 4010\n"
    ),
}]

ALTERNATIVE = [{
    "solution": "conv_output_length_solution",
    # Counts the positions with math.ceil instead of integer division.
    "source": (
        "import math\n"
        "\n"
        "\n"
        "def conv_output_length(input_length, kernel_size, stride, padding):\n"
        "    span = input_length - kernel_size + 1 if padding == 'valid' else input_length\n"
        "    return math.ceil(span / stride)\n"
    ),
}, {
    "solution": "predict_stack_solution",
    # Works the shapes out with math.ceil and writes one of them as a list.
    "source": (
        "import math\n"
        "\n"
        "side1 = math.ceil(29 / 2)\n"
        "side2 = side1 // 2\n"
        "side3 = side2 - 3 + 1\n"
        "shape_after_conv1 = [side1, side1, 8]\n"
        "shape_after_pool = (side2, side2, 8)\n"
        "shape_after_conv2 = (side3, side3, 16)\n"
        "total_params = (27 * 8 + 8) + (72 * 16 + 16) + (side3 * side3 * 16 * 10 + 10)\n"
    ),
}, {
    "solution": "conv2d_valid_solution",
    # SciPy's correlate2d: another library, not Keras, no flip.
    "source": (
        "from scipy.signal import correlate2d\n"
        "\n"
        "\n"
        "def conv2d_valid(image, kernel):\n"
        "    return correlate2d(np.asarray(image, dtype=float), np.asarray(kernel, dtype=float),\n"
        "                       mode='valid')\n"
    ),
}, {
    "solution": "conv2d_multichannel_solution",
    # All windows at once: sliding_window_view and one einsum.
    "source": (
        "def conv2d_multichannel(image, kernels, bias):\n"
        "    kh, kw = np.shape(kernels)[:2]\n"
        "    windows = np.lib.stride_tricks.sliding_window_view(\n"
        "        np.asarray(image, dtype=float), (kh, kw), axis=(0, 1))  # (oh, ow, C_in, kh, kw)\n"
        "    return np.einsum('ijcuv,uvcf->ijf', windows, np.asarray(kernels, dtype=float)) + bias\n"
    ),
}, {
    "solution": "times_seen_solution",
    # Counts by brute force: pads, slides every window and adds one to each real sample in it.
    "source": (
        "def times_seen(input_length, kernel_size, padding):\n"
        "    pad = kernel_size - 1 if padding == 'same' else 0\n"
        "    before = pad // 2\n"
        "    counts = np.zeros(input_length + pad, dtype=int)\n"
        "    for start in range(input_length + pad - kernel_size + 1):\n"
        "        counts[start:start + kernel_size] += 1\n"
        "    return counts[before:before + input_length]\n"
    ),
}, {
    "solution": "max_pool2d_solution",
    # Loops over the windows and takes each one's max; starts from the window's first value.
    "source": (
        "def max_pool2d(x, pool_size):\n"
        "    rows, cols = len(x) // pool_size, len(x[0]) // pool_size\n"
        "    out = np.empty((rows, cols))\n"
        "    for i in range(rows):\n"
        "        for j in range(cols):\n"
        "            window = np.asarray(x)[i * pool_size:(i + 1) * pool_size,\n"
        "                                   j * pool_size:(j + 1) * pool_size]\n"
        "            out[i, j] = window.max()\n"
        "    return out\n"
    ),
}, {
    "solution": "build_cnn_solution",
    # activation='relu' inside the convolutions, pooling after, BatchNormalization in between.
    "source": BUILD_CNN.replace(
        "        layers.MaxPooling2D(2),\n        layers.Conv2D(32",
        "        layers.MaxPooling2D(2),\n        layers.BatchNormalization(),\n        layers.Conv2D(32"),
}]
