package dev.nabla.data;

import dev.nabla.tensor.Generator;

/** Seeded permutations (Fisher-Yates). */
final class Shuffle {
    private Shuffle() {}

    static int[] permutation(int n, Generator gen) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int) gen.nextLong(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
