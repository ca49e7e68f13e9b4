"""What the tests expect of lab 01_cnn: its quick-run bounds and the answers the grading loop
submits (see tests/lab_expectations/__init__.py)."""

QUICK_BOUNDS = [("test accuracy", ">=", 0.75)]

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
    # A stack of convolutions with no nonlinearity between them: one linear filter.
    "source": (
        "def build_cnn(input_shape=(28, 28, 1), num_classes=10):\n"
        "    return keras.Sequential([\n"
        "        keras.Input(shape=input_shape),\n"
        "        layers.Conv2D(16, 3, padding='same'),\n"
        "        layers.MaxPooling2D(2),\n"
        "        layers.Conv2D(32, 3, padding='same'),\n"
        "        layers.MaxPooling2D(2),\n"
        "        layers.Conv2D(64, 3),\n"
        "        layers.MaxPooling2D(2),\n"
        "        layers.Flatten(),\n"
        "        layers.Dense(64, activation='relu'),\n"
        "        layers.Dense(num_classes, activation='softmax'),\n"
        "    ])\n"
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
}]
