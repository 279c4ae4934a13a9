#!/usr/bin/python3
"""The full script of chapter 5 of "Neural Networks from Scratch", with nnsimd's kernels for the math.

The classes are the book's; their forward passes call nnsimd instead of NumPy. The data and the weights
come from NumPy's legacy generator exactly as `nnfs.init()` and `nnfs.datasets.spiral_data` make them
(the nnfs package is not in Debian: its few lines are below). Prints the book's values:

    loss: 1.0986104
    acc: 0.34

Run it with the module importable (after tools/run.sh, or PYTHONPATH=build/release/python); NNSIMD_ISA=sse2
(or set_isa_cap) picks the instruction set.
"""
import numpy as np

import nnsimd


def nnfs_init():
    """What nnfs.init() does to the generator: seed 0; randn returns float32 (np.dot's float64 compute and
    cast, the other part of init, is nnsimd's float32 dense layer here)."""
    np.random.seed(0)


def randn(*shape):
    return np.random.randn(*shape).astype(np.float32)


def spiral_data(samples, classes):
    """nnfs.datasets.spiral_data (nnfs 0.5.1), float32 points and uint8 labels."""
    X = np.zeros((samples * classes, 2), dtype=np.float32)
    y = np.zeros(samples * classes, dtype=np.uint8)
    for class_number in range(classes):
        ix = range(samples * class_number, samples * (class_number + 1))
        r = np.linspace(0.0, 1, samples)
        t = np.linspace(class_number * 4, (class_number + 1) * 4, samples) + randn(samples) * 0.2
        X[ix] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
        y[ix] = class_number
    return X, y


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons), dtype=np.float32)

    def forward(self, inputs):
        self.output = nnsimd.dense_forward(inputs, self.weights, self.biases)


class Activation_ReLU:
    def forward(self, inputs):
        self.output = nnsimd.relu(inputs)


class Activation_Softmax:
    def forward(self, inputs):
        self.output = nnsimd.softmax(inputs)


class Loss:
    def calculate(self, output, y):
        sample_losses = self.forward(output, y)
        return np.mean(sample_losses)  # the book's float32 mean: 1.0986104 (nnsimd's float64 mean: 1.0986105)


class Loss_CategoricalCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        # Clipped to [1e-7, 1 - 1e-7] inside; sparse or one-hot labels, as the book's.
        return nnsimd.categorical_cross_entropy(y_pred, y_true, reduction="none")


def main():
    nnfs_init()
    X, y = spiral_data(samples=100, classes=3)
    dense1 = Layer_Dense(2, 3)
    activation1 = Activation_ReLU()
    dense2 = Layer_Dense(3, 3)
    activation2 = Activation_Softmax()
    loss_function = Loss_CategoricalCrossentropy()

    dense1.forward(X)
    activation1.forward(dense1.output)
    dense2.forward(activation1.output)
    activation2.forward(dense2.output)
    print(activation2.output[:5])
    loss = loss_function.calculate(activation2.output, y)
    print('loss:', loss)
    accuracy = nnsimd.accuracy(activation2.output, y)
    print('acc:', accuracy)


if __name__ == "__main__":
    main()
