"""Run by tests/test_train.py under each Keras backend: recalibrate_bn leaves every BN
layer's statistics at the average of its batches' statistics (checked on the first BN
layer, whose input no other BN layer touches), and the model's weights as they were."""
import keras
import numpy as np

from ecglib.beats.reshape import to_steps
from ecglib.models import seed_model
from ecglib.models.batchnorm import _bn_layers, recalibrate_bn

keras.utils.set_random_seed(0)
model = seed_model()
X = to_steps(np.random.default_rng(1).random((1024, 187)).astype("float32"))
weights = [keras.ops.convert_to_numpy(w) for w in model.trainable_variables]
first = _bn_layers(model)[0]
feeds = keras.Model(model.inputs, first.input)
order = np.random.default_rng(0).permutation(len(X))
batches = [order[k * 128:(k + 1) * 128] for k in range(4)]
inputs = [keras.ops.convert_to_numpy(feeds(X[b])).astype(np.float64) for b in batches]
assert recalibrate_bn(model, X, batches=4, batch_size=128, seed=0) == 4
np.testing.assert_allclose(keras.ops.convert_to_numpy(first.moving_mean),
                           np.mean([a.mean(axis=0) for a in inputs], axis=0), rtol=1e-4, atol=1e-6)
np.testing.assert_allclose(keras.ops.convert_to_numpy(first.moving_variance),
                           np.mean([a.var(axis=0) for a in inputs], axis=0), rtol=1e-3, atol=1e-6)
for before, w in zip(weights, model.trainable_variables):
    np.testing.assert_array_equal(before, keras.ops.convert_to_numpy(w))
assert first.momentum == 0.99
print("ok", keras.backend.backend())
