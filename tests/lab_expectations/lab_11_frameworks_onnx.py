"""What the tests expect of lab 11_frameworks_onnx: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/11_frameworks_onnx/metrics.toml."""

# A correct onnx_summary by hand: each onnx_summary WRONG below changes one thing in it.
ONNX_SUMMARY_BY_HAND = (
    "def onnx_summary(model):\n"
    "    counts = {}\n"
    "    for node in model.graph.node:\n"
    "        counts[node.op_type] = counts.get(node.op_type, 0) + 1\n"
    "    versions = {entry.domain or 'ai.onnx': entry.version for entry in model.opset_import}\n"
    "    return int(versions['ai.onnx']), counts\n"
)

WRONG = [
    {
        "solution": "onnx_summary_solution",
        # Takes the first opset entry, which is the default domain only when the converter put it first.
        "source": ONNX_SUMMARY_BY_HAND.replace(
            "    versions = {entry.domain or 'ai.onnx': entry.version for entry in model.opset_import}\n"
            "    return int(versions['ai.onnx']), counts\n",
            "    return int(model.opset_import[0].version), counts\n"),
    },
    {
        "solution": "replica_batches_solution",
        # Splits every batch evenly by integer division: an odd batch loses an example.
        "source": (
            "def replica_batches(examples, global_batch):\n"
            "    steps = []\n"
            "    for start in range(0, examples, global_batch):\n"
            "        batch = min(global_batch, examples - start)\n"
            "        steps.append([batch // 2, batch // 2])\n"
            "    return steps\n"
        ),
    },
    {
        "solution": "relative_error_solution",
        # Lets NumPy broadcast shapes that differ.
        "source": (
            "def relative_error(got, expected):\n"
            "    got = np.asarray(got, dtype=float)\n"
            "    expected = np.asarray(expected, dtype=float)\n"
            "    scale = np.max(np.abs(expected)) or 1.0\n"
            "    return float(np.max(np.abs(got - expected)) / scale)\n"
        ),
    },
    {
        "solution": "functional_from_sequential_solution",
        # Wraps the Sequential model in a functional one: the layer list is not the rebuilt graph.
        "source": (
            "def functional_from_sequential():\n"
            "    inputs = keras.Input((20,))\n"
            "    stack = keras.Sequential([layers.Dense(16, activation='relu'), layers.Dropout(0.25),\n"
            "                              layers.Dense(8, activation='tanh'),\n"
            "                              layers.Dense(3, activation='softmax')])\n"
            "    return keras.Model(inputs, stack(inputs))\n"
        ),
    },
    {
        "solution": "port_linear_weights_solution",
        # Copies the arrays as they are: PyTorch's (out, in) weight is not Keras' (in, out) kernel.
        "source": (
            "def port_linear_weights(state):\n"
            "    return [np.asarray(value, dtype=np.float32) for value in state.values()]\n"
        ),
    },
    {
        "solution": "functional_from_sequential_solution",
        # The two hidden activations swapped: the same layers, another function.
        "source": (
            "def functional_from_sequential():\n"
            "    inputs = keras.Input((20,))\n"
            "    x = layers.Dense(16, activation='tanh')(inputs)\n"
            "    x = layers.Dropout(0.25)(x)\n"
            "    x = layers.Dense(8, activation='relu')(x)\n"
            "    return keras.Model(inputs, layers.Dense(3, activation='softmax')(x))\n"
        ),
    },
    {
        "solution": "port_linear_weights_solution",
        # Reshapes instead of transposing: the right shape, the numbers in the wrong places.
        "source": (
            "def port_linear_weights(state):\n"
            "    ported = []\n"
            "    for name, value in state.items():\n"
            "        value = np.asarray(value, dtype=np.float32)\n"
            "        if name.endswith('.weight'):\n"
            "            value = value.reshape(value.shape[1], value.shape[0])\n"
            "        ported.append(value)\n"
            "    return ported\n"
        ),
    },
    {
        "solution": "relative_error_solution",
        # Divides by the largest value of got instead of expected.
        "source": (
            "def relative_error(got, expected):\n"
            "    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)\n"
            "    if got.shape != expected.shape:\n"
            "        raise ValueError(f'shapes {got.shape} and {expected.shape} differ')\n"
            "    scale = np.max(np.abs(got)) or 1.0\n"
            "    return float(np.max(np.abs(got - expected)) / scale)\n"
        ),
    },
    {
        "solution": "onnx_summary_solution",
        # Takes the last opset entry: right only when the default domain comes last.
        "source": ONNX_SUMMARY_BY_HAND.replace(
            "    versions = {entry.domain or 'ai.onnx': entry.version for entry in model.opset_import}\n"
            "    return int(versions['ai.onnx']), counts\n",
            "    return int(model.opset_import[-1].version), counts\n"),
    },
    {
        "solution": "replica_batches_solution",
        # Gives the extra example of an odd batch to the second replica.
        "source": (
            "def replica_batches(examples, global_batch):\n"
            "    steps = []\n"
            "    for start in range(0, examples, global_batch):\n"
            "        batch = min(global_batch, examples - start)\n"
            "        steps.append([batch // 2, batch - batch // 2])\n"
            "    return steps\n"
        ),
    },
]

ALTERNATIVE = [
    {
        "solution": "replica_batches_solution",
        # Closed form: full batches, then the remainder; ceil for the first replica.
        "source": (
            "import math\n"
            "\n"
            "\n"
            "def replica_batches(examples, global_batch):\n"
            "    full, rest = divmod(examples, global_batch)\n"
            "    sizes = [global_batch] * full + ([rest] if rest else [])\n"
            "    return [[math.ceil(b / 2), b // 2] for b in sizes]\n"
        ),
    },
    {
        "solution": "onnx_summary_solution",
        # collections.Counter and a dict of the opset imports.
        "source": (
            "from collections import Counter\n"
            "\n"
            "\n"
            "def onnx_summary(model):\n"
            "    versions = {entry.domain or 'ai.onnx': entry.version for entry in model.opset_import}\n"
            "    return versions['ai.onnx'], dict(Counter(node.op_type for node in model.graph.node))\n"
        ),
    },
    {
        "solution": "relative_error_solution",
        # np.linalg.norm with ord=inf on the flattened arrays.
        "source": (
            "def relative_error(got, expected):\n"
            "    got, expected = np.asarray(got, float), np.asarray(expected, float)\n"
            "    if got.shape != expected.shape:\n"
            "        raise ValueError(f'shape {got.shape} is not {expected.shape}')\n"
            "    scale = np.linalg.norm(expected.ravel(), np.inf)\n"
            "    return float(np.linalg.norm((got - expected).ravel(), np.inf) / (scale if scale else 1.0))\n"
        ),
    },
    {
        "solution": "functional_from_sequential_solution",
        # Calls freshly made layers in a loop.
        "source": (
            "def functional_from_sequential():\n"
            "    x = inputs = keras.Input(shape=(20,))\n"
            "    for layer in [layers.Dense(16, 'relu'), layers.Dropout(0.25), layers.Dense(8, 'tanh'),\n"
            "                  layers.Dense(3, 'softmax')]:\n"
            "        x = layer(x)\n"
            "    return keras.Model(inputs=inputs, outputs=x)\n"
        ),
    },
    {
        "solution": "port_linear_weights_solution",
        # Sorted by module index, np.transpose, and a list comprehension over the Linear layers.
        "source": (
            "def port_linear_weights(state):\n"
            "    indices = sorted({int(name.split('.')[0]) for name in state})\n"
            "    out = []\n"
            "    for i in indices:\n"
            "        out += [np.transpose(state[f'{i}.weight']), np.asarray(state[f'{i}.bias'])]\n"
            "    return out\n"
        ),
    },
]
