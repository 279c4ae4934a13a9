#!/usr/bin/python3
"""The full script of chapter 5 of "Neural Networks from Scratch", with nnsimd's kernels for the math.

The classes are the book's; their forward passes call nnsimd instead of NumPy. The data and the weights
come from NumPy's legacy generator exactly as `nnfs.init()` and `nnfs.datasets.spiral_data` make them
(the nnfs package is not in Debian: python/nnfs_numpy.py has its few lines). Prints the book's values:

    loss: 1.0986104
    acc: 0.34

Run it with the module importable (after tools/run.sh, or PYTHONPATH=build/release/python); NNSIMD_ISA=sse2
(or set_isa_cap) picks the instruction set.
"""
import os
import sys

import numpy as np

import nnsimd

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from nnfs_numpy import init as nnfs_init, randn, spiral_data  # noqa: E402  (nnfs's, with NumPy only)


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
