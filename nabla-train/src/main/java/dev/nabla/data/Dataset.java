package dev.nabla.data;

import dev.nabla.tensor.Generator;

/**
 * Examples addressed by index. Implementations gather whole batches at once ({@link #batch}), because
 * copying rows of an in-memory array is what makes data loading cheap next to the model.
 */
public interface Dataset {
    int size();

    /** The examples at {@code indices}, stacked along a new first dim. */
    Batch batch(int[] indices);

    /** The examples at these positions of this dataset. */
    default Dataset subset(int[] indices) {
        return new Subset(this, indices);
    }

    /**
     * Splits off a seeded random {@code fraction} of the examples (rounded to the nearest count):
     * returns {first: the rest, second: the held-out part}, as Keras's {@code validation_split} with shuffling.
     */
    default Dataset[] randomSplit(double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1))
            throw new IllegalArgumentException("split: the held-out fraction must be in (0, 1), got " + fraction);
        int n = size();
        int held = (int) Math.round(n * fraction);
        if (held == 0 || held == n)
            throw new IllegalArgumentException("split: a fraction of " + fraction + " of " + n + " examples leaves one side empty");
        int[] perm = Shuffle.permutation(n, new Generator(seed));
        int[] rest = java.util.Arrays.copyOfRange(perm, 0, n - held), out = java.util.Arrays.copyOfRange(perm, n - held, n);
        java.util.Arrays.sort(rest); // keep file order within each part
        java.util.Arrays.sort(out);
        return new Dataset[] {subset(rest), subset(out)};
    }
}
