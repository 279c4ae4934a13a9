"""The book's chapter-5 script under nnfs.init()'s conventions, with NumPy only (nnfs itself is not
packaged in Debian). nnfs 0.5.1's init(): np.random.seed(0); np.random.randn returns float32; np.zeros
defaults to float32; np.dot computes in float64 and casts to float32. spiral_data as in nnfs.datasets.
Used by examples/chapter5.py (the script through `import nnsimd`) and cli/tests/check_data.py (src/data
against it, bit for bit)."""
import numpy as np

_orig_randn = np.random.randn


def init():
    np.random.seed(0)


def randn(*shape):
    return _orig_randn(*shape).astype(np.float32)


def dot(a, b):
    return np.dot(a.astype(np.float64), b.astype(np.float64)).astype(np.float32)


def spiral_data(samples, classes):
    X = np.zeros((samples * classes, 2), dtype=np.float32)
    y = np.zeros(samples * classes, dtype="uint8")
    for class_number in range(classes):
        ix = range(samples * class_number, samples * (class_number + 1))
        r = np.linspace(0.0, 1, samples)
        t = np.linspace(class_number * 4, (class_number + 1) * 4, samples) + randn(samples) * 0.2
        X[ix] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
        y[ix] = class_number
    return X, y


def weights(n_in, n_out):
    return 0.01 * randn(n_in, n_out)


def chapter5(samples=100, classes=3, hidden=3):
    """Returns X, y, w1, w2, softmax output, per-sample losses, loss, accuracy (as the book computes)."""
    init()
    X, y = spiral_data(samples, classes)
    w1 = weights(2, hidden)
    b1 = np.zeros((1, hidden), dtype=np.float32)
    w2 = weights(hidden, classes)
    b2 = np.zeros((1, classes), dtype=np.float32)
    h1 = np.maximum(0, dot(X, w1) + b1)
    z2 = dot(h1, w2) + b2
    e = np.exp(z2 - np.max(z2, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    clipped = np.clip(p, 1e-7, 1 - 1e-7)
    losses = -np.log(clipped[range(len(p)), y])
    loss = np.mean(losses)
    acc = np.mean(np.argmax(p, axis=1) == y)
    return X, y, w1, w2, p, losses, loss, acc


if __name__ == "__main__":
    X, y, w1, w2, p, losses, loss, acc = chapter5()
    print(p[:5])
    print("loss:", loss)
    print("acc:", acc)
    print("mean in float64 of the float32 losses:", repr(np.float32(np.mean(losses.astype(np.float64)))),
          repr(np.mean(losses.astype(np.float64))))
