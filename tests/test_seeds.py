import numpy as np

from course_lib.seeds import set_seed


def _train_once(seed):
    import keras

    set_seed(seed)
    x = np.random.rand(64, 4).astype("float32")
    y = (x.sum(axis=1) > 2).astype("int32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return np.concatenate([w.ravel() for w in model.get_weights()])


def test_same_seed_same_numbers_other_seed_other_numbers():
    first, again, other = _train_once(7), _train_once(7), _train_once(8)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
