package dev.nabla.data;

import dev.nabla.autograd.NoGrad;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * A change applied once to a whole in-memory dataset when it is loaded: scale or normalise the inputs,
 * flatten each example, or turn class-index targets into one-hot vectors.
 */
public sealed interface Transform {
    TensorDataset apply(TensorDataset d);

    /** x · factor (for example 1/255 for raw pixel values). */
    record Scale(float factor) implements Transform {
        public Scale {
            if (!Float.isFinite(factor)) throw new IllegalArgumentException("scale: factor must be finite, got " + factor);
        }

        @Override
        public TensorDataset apply(TensorDataset d) {
            try (var ignored = NoGrad.enter()) {
                return new TensorDataset(floatX("scale", d).mul(factor), d.y());
            }
        }
    }

    /**
     * (x - mean) / std, with one mean and std for every value, or one per channel (dim 1 of [N, C, ...]),
     * as torchvision's Normalize.
     */
    record Normalize(float[] mean, float[] std) implements Transform {
        public Normalize {
            if (mean.length == 0 || mean.length != std.length)
                throw new IllegalArgumentException("normalize: mean and std need the same, non-zero length, got "
                        + mean.length + " and " + std.length);
            for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("normalize: std must be positive, got " + s);
            mean = mean.clone();
            std = std.clone();
        }

        @Override
        public TensorDataset apply(TensorDataset d) {
            Tensor x = floatX("normalize", d);
            int c = mean.length;
            if (c > 1 && (x.rank() < 2 || x.size(1) != c))
                throw new IllegalArgumentException("normalize: " + c + " channel means for inputs of shape "
                        + Shape.str(x.shape()) + " (channels are dim 1)");
            // one pass into one new array: x.sub(mean).div(std) would hold a second dataset-sized temporary
            // (188 MB for Fashion-MNIST's training images), and the heap keeps what it grew to
            Tensor xc = x.contiguous();
            float[] in = xc.data(), out = new float[xc.numel()];
            if (out.length == 0) return new TensorDataset(Tensor.of(out, xc.shape()), d.y()); // no examples
            int off = xc.offset(), inner = c > 1 ? out.length / xc.size(0) / c : out.length;
            for (int i = 0; i < out.length; i++) {
                int ch = c > 1 ? (i / inner) % c : 0;
                out[i] = (in[off + i] - mean[ch]) / std[ch];
            }
            return new TensorDataset(Tensor.of(out, xc.shape()), d.y());
        }
    }

    /** Each example to one dim: [N, ...] → [N, prod(...)]. */
    record Flatten() implements Transform {
        @Override
        public TensorDataset apply(TensorDataset d) {
            Tensor x = d.x();
            return new TensorDataset(x.reshape(x.size(0), x.numel() / Math.max(1, x.size(0))), d.y());
        }
    }

    /** int64 class indices [N] → float32 one-hot [N, numClasses] (for losses that take probabilities). */
    record OneHot(int numClasses) implements Transform {
        public OneHot {
            if (numClasses < 2) throw new IllegalArgumentException("one_hot: num_classes must be at least 2, got " + numClasses);
        }

        @Override
        public TensorDataset apply(TensorDataset d) {
            if (d.y().dtype() != DType.INT64 || d.y().rank() != 1)
                throw new IllegalArgumentException("one_hot: targets must be int64 class indices [N], got "
                        + d.y().dtype() + " " + Shape.str(d.y().shape()));
            return new TensorDataset(d.x(), Functional.oneHot(d.y(), numClasses));
        }
    }

    private static Tensor floatX(String op, TensorDataset d) {
        if (d.x().dtype() != DType.FLOAT32)
            throw new IllegalArgumentException(op + ": inputs must be float32, got " + d.x().dtype());
        return d.x();
    }
}
