"""What the tests expect of lab 09_gans: the answers the grading loop submits (see
tests/lab_expectations/__init__.py). The figures it reports and their quick-run bounds are
declared in labs/09_gans/metrics.toml."""

# A correct training step written out: each gan_step WRONG below changes one thing in it.
GAN_STEP_BY_HAND = (
    "def gan_step(generator, discriminator, g_optimizer, d_optimizer, real_images, labels, z,\n"
    "             d_loss_fn, g_loss_fn):\n"
    "    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:\n"
    "        fake_images = generator([z, labels], training=True)\n"
    "        real_logits = discriminator([real_images, labels], training=True)\n"
    "        fake_logits = discriminator([fake_images, labels], training=True)\n"
    "        d_loss = d_loss_fn(real_logits, fake_logits)\n"
    "        g_loss = g_loss_fn(fake_logits)\n"
    "    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)\n"
    "    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)\n"
    "    d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))\n"
    "    g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))\n"
    "    return d_loss, g_loss, real_logits, fake_logits\n"
)

WRONG = [
    {
        "solution": "mnist_score_solution",
        # Swaps the exp and the mean: the mean of exp(KL) instead of exp(mean KL).
        "source": (
            "def mnist_score(probs):\n"
            "    probs = np.asarray(probs, dtype=np.float64)\n"
            "    marginal = probs.mean(axis=0, keepdims=True)\n"
            "    with np.errstate(divide='ignore', invalid='ignore'):\n"
            "        terms = np.where(probs > 0, probs * np.log(probs / marginal), 0.0)\n"
            "    return float(np.mean(np.exp(terms.sum(axis=1))))\n"
        ),
    },
    {
        "solution": "mnist_score_solution",
        # Only the coverage half: exp of the entropy of p(y), forgetting to subtract the mean
        # entropy of the rows (the confidence half).
        "source": (
            "def mnist_score(probs):\n"
            "    marginal = np.asarray(probs, dtype=np.float64).mean(axis=0)\n"
            "    nonzero = marginal[marginal > 0]\n"
            "    return float(np.exp(-np.sum(nonzero * np.log(nonzero))))\n"
        ),
    },
    {
        "solution": "frechet_distance_solution",
        # The square root of each entry instead of the matrix square root: right for diagonal
        # covariances only.
        "source": (
            "def frechet_distance(mu1, sigma1, mu2, sigma2):\n"
            "    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)\n"
            "    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)\n"
            "    cross = np.sqrt(np.abs(sigma1 * sigma2))\n"
            "    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2 - 2.0 * cross))\n"
        ),
    },
    {
        "solution": "frechet_distance_solution",
        # The square root of the trace instead of the trace of the square root: right in one
        # dimension only.
        "source": (
            "def frechet_distance(mu1, sigma1, mu2, sigma2):\n"
            "    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)\n"
            "    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)\n"
            "    cross = np.sqrt(np.trace(sigma1 @ sigma2))\n"
            "    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2) - 2.0 * cross)\n"
        ),
    },
    {
        "solution": "generator_shapes_solution",
        # Applies the 'same' rule (n * s) to the 'valid' block as well: 3 -> 6 -> 12 -> 24.
        "source": (
            "shape_after_reshape = (3, 3, 128)\n"
            "shape_after_block1 = (6, 6, 64)\n"
            "shape_after_block2 = (12, 12, 32)\n"
            "output_shape = (24, 24, 1)\n"
            "generator_params = 223457\n"
        ),
    },
    {
        "solution": "generator_shapes_solution",
        # The right shapes, but the parameter count leaves out every bias (1,249 of them).
        "source": (
            "shape_after_reshape = (3, 3, 128)\n"
            "shape_after_block1 = (7, 7, 64)\n"
            "shape_after_block2 = (14, 14, 32)\n"
            "output_shape = (28, 28, 1)\n"
            "generator_params = 100 * 1152 + 3 * 3 * 128 * 64 + 4 * 4 * 64 * 32 + 4 * 4 * 32\n"
        ),
    },
    {
        "solution": "gan_losses_solution",
        # The generator trained on the discriminator's label for fakes (target 0): it would
        # help D instead of fooling it.
        "source": (
            "def discriminator_loss(real_logits, fake_logits, real_label=1.0):\n"
            "    real = (real_label * tf.nn.softplus(-real_logits)\n"
            "            + (1.0 - real_label) * tf.nn.softplus(real_logits))\n"
            "    return tf.reduce_mean(real) + tf.reduce_mean(tf.nn.softplus(fake_logits))\n"
            "\n"
            "\n"
            "def generator_loss(fake_logits):\n"
            "    return tf.reduce_mean(tf.nn.softplus(tf.convert_to_tensor(fake_logits, tf.float32)))\n"
        ),
    },
    {
        "solution": "gan_losses_solution",
        # Ignores real_label: always the target 1 for real images, so label smoothing is lost
        # (the visible checks use the default 1.0; the hidden ones also 0.9).
        "source": (
            "def discriminator_loss(real_logits, fake_logits, real_label=1.0):\n"
            "    real_logits = tf.convert_to_tensor(real_logits, tf.float32)\n"
            "    fake_logits = tf.convert_to_tensor(fake_logits, tf.float32)\n"
            "    return (tf.reduce_mean(tf.nn.softplus(-real_logits))\n"
            "            + tf.reduce_mean(tf.nn.softplus(fake_logits)))\n"
            "\n"
            "\n"
            "def generator_loss(fake_logits):\n"
            "    return tf.reduce_mean(tf.nn.softplus(-tf.convert_to_tensor(fake_logits, tf.float32)))\n"
        ),
    },
    {
        "solution": "gan_step_solution",
        # The classmate's step unchanged: G's gradients taken with respect to, and applied to,
        # the discriminator's variables; G never moves.
        "source": GAN_STEP_BY_HAND.replace(
            "g_loss, generator.trainable_variables", "g_loss, discriminator.trainable_variables").replace(
            "zip(g_grads, generator.", "zip(g_grads, discriminator."),
    },
    {
        "solution": "gan_step_solution",
        # Each tape differentiates the opponent's loss: D steps to help G and G to help D.
        "source": GAN_STEP_BY_HAND.replace("d_tape.gradient(d_loss", "d_tape.gradient(g_loss").replace(
            "g_tape.gradient(g_loss", "g_tape.gradient(d_loss"),
    },
    {
        "solution": "ln4_solution",
        # Reads a loss of ln 4 as the discriminator winning.
        "source": (
            'ln4_meaning = "A"\nd_output_at_ln4 = 0.5\n'
            "equilibrium_d_loss = float(-0.9 * np.log(0.45) - 0.1 * np.log(0.55) - np.log(0.55))\n"
        ),
    },
    {
        "solution": "ln4_solution",
        # Keeps D = 1/2 and ln 4 at the equilibrium although the real target is 0.9.
        "source": 'ln4_meaning = "B"\nd_output_at_ln4 = 0.5\nequilibrium_d_loss = float(np.log(4.0))\n',
    },
]

ALTERNATIVE = [
    {
        "solution": "mnist_score_solution",
        # The identity IS = exp(H(p(y)) - mean_x H(p(y|x))), with scipy's xlogy for 0 log 0.
        "source": (
            "import numpy as np\n"
            "from scipy.special import xlogy\n"
            "\n"
            "\n"
            "def mnist_score(probs):\n"
            "    p = np.asarray(probs, dtype=float)\n"
            "    marginal = p.mean(axis=0)\n"
            "    h_marginal = -np.sum(xlogy(marginal, marginal))\n"
            "    h_rows = -np.sum(xlogy(p, p), axis=1)\n"
            "    return float(np.exp(h_marginal - h_rows.mean()))\n"
        ),
    },
    {
        "solution": "frechet_distance_solution",
        # tr (S1 S2)^(1/2) as the sum of the square roots of the eigenvalues of S1 S2.
        "source": (
            "import numpy as np\n"
            "\n"
            "\n"
            "def frechet_distance(mu1, sigma1, mu2, sigma2):\n"
            "    s1, s2 = np.atleast_2d(sigma1).astype(float), np.atleast_2d(sigma2).astype(float)\n"
            "    eigenvalues = np.linalg.eigvals(s1 @ s2).real\n"
            "    cross = np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None)))\n"
            "    diff = np.atleast_1d(mu1) - np.atleast_1d(mu2)\n"
            "    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * cross)\n"
        ),
    },
    {
        "solution": "generator_shapes_solution",
        # The output-size rules written as expressions, NumPy integers included.
        "source": (
            "import numpy as np\n"
            "\n"
            "n = 3\n"
            "shape_after_reshape = (n, n, 128)\n"
            "n = (n - 1) * 2 + 3\n"
            "shape_after_block1 = (np.int64(n), n, 64)\n"
            "shape_after_block2 = (2 * n, 2 * n, 32)\n"
            "output_shape = (4 * n, 4 * n, 1)\n"
            "generator_params = 223_457\n"
        ),
    },
    {
        "solution": "gan_losses_solution",
        # TensorFlow's own stable cross-entropy from logits.
        "source": (
            "import tensorflow as tf\n"
            "\n"
            "\n"
            "def discriminator_loss(real_logits, fake_logits, real_label=1.0):\n"
            "    real_logits = tf.cast(real_logits, tf.float32)\n"
            "    fake_logits = tf.cast(fake_logits, tf.float32)\n"
            "    real = tf.nn.sigmoid_cross_entropy_with_logits(\n"
            "        labels=tf.fill(tf.shape(real_logits), tf.cast(real_label, tf.float32)),\n"
            "        logits=real_logits)\n"
            "    fake = tf.nn.sigmoid_cross_entropy_with_logits(\n"
            "        labels=tf.zeros_like(fake_logits), logits=fake_logits)\n"
            "    return tf.reduce_mean(real) + tf.reduce_mean(fake)\n"
            "\n"
            "\n"
            "def generator_loss(fake_logits):\n"
            "    fake_logits = tf.cast(fake_logits, tf.float32)\n"
            "    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(\n"
            "        labels=tf.ones_like(fake_logits), logits=fake_logits))\n"
        ),
    },
    {
        "solution": "ln4_solution",
        # D = exp(-ln(4) / 2): the value whose two cross-entropy terms add up to ln 4.
        # The equilibrium loss found numerically over D's one output.
        "source": (
            'import numpy as np\nfrom scipy.optimize import minimize_scalar\n\nln4_meaning = "B"\n'
            "d_output_at_ln4 = float(np.exp(-np.log(4.0) / 2))\n"
            "equilibrium_d_loss = minimize_scalar(\n"
            "    lambda d: -0.9 * np.log(d) - 1.1 * np.log(1 - d), bounds=(0.01, 0.99),\n"
            "    method='bounded').fun\n"
        ),
    },
    {
        "solution": "gan_step_solution",
        # One persistent tape, the losses differentiated one after the other.
        "source": (
            "import tensorflow as tf\n"
            "\n"
            "\n"
            "def gan_step(generator, discriminator, g_optimizer, d_optimizer, real_images, labels, z,\n"
            "             d_loss_fn, g_loss_fn):\n"
            "    with tf.GradientTape(persistent=True) as tape:\n"
            "        fakes = generator([z, labels], training=True)\n"
            "        fake_logits = discriminator([fakes, labels], training=True)\n"
            "        real_logits = discriminator([real_images, labels], training=True)\n"
            "        d_loss = d_loss_fn(real_logits, fake_logits)\n"
            "        g_loss = g_loss_fn(fake_logits)\n"
            "    g_vars, d_vars = generator.trainable_variables, discriminator.trainable_variables\n"
            "    g_grads, d_grads = tape.gradient(g_loss, g_vars), tape.gradient(d_loss, d_vars)\n"
            "    del tape\n"
            "    g_optimizer.apply_gradients(list(zip(g_grads, g_vars)))\n"
            "    d_optimizer.apply_gradients(list(zip(d_grads, d_vars)))\n"
            "    return d_loss, g_loss, real_logits, fake_logits\n"
        ),
    },
]
