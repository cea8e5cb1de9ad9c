package dev.nabla.bench;

import java.util.List;
import java.util.SplittableRandom;

/**
 * One matrix product C[m×n] = A[m×k]·B[k×n], named M×K×N as in the benchmark tables, with the
 * operands every GEMM benchmark uses: row-major, uniform in [-1, 1), fixed seed.
 */
public record GemmShape(int m, int k, int n) {
    /** The square sizes and the products that dominate training the reference MLP and CNN. */
    public static final List<GemmShape> STANDARD = List.of(
            square(64), square(128), square(256), square(512), square(1024), square(2048),
            new GemmShape(64, 784, 64), new GemmShape(64, 64, 784),
            new GemmShape(128, 3136, 128), new GemmShape(4096, 128, 512));

    public static GemmShape square(int n) {
        return new GemmShape(n, n, n);
    }

    /** Parses "MxKxN" (or "N" for a square product). */
    public static GemmShape parse(String s) {
        String[] p = s.trim().toLowerCase(java.util.Locale.ROOT).split("x");
        if (p.length == 1) return square(Integer.parseInt(p[0]));
        if (p.length != 3) throw new IllegalArgumentException("shape must be MxKxN or N, got " + s);
        return new GemmShape(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
    }

    public double flops() {
        return 2.0 * m * n * k;
    }

    public float[] a() { return random(m * k, 1); }
    public float[] b() { return random(k * n, 2); }
    public float[] c() { return new float[m * n]; }

    @Override
    public String toString() {
        return m + "x" + k + "x" + n;
    }

    private static float[] random(int size, long seed) {
        var rnd = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
