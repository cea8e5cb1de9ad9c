package dev.nabla.tensor;

/**
 * A seeded source of random numbers, passed explicitly to everything random (no hidden global state).
 *
 * <p>The algorithm is xoshiro256** seeded through SplitMix64; normals come from Box-Muller.
 * The streams are stable across JDK versions and the state can be saved and restored exactly
 * ({@link #state()} / {@link #setState(long[])}), which checkpoints rely on.
 */
public final class Generator {
    private long s0, s1, s2, s3;
    private double spareNormal;
    private boolean hasSpare;

    public Generator(long seed) {
        manualSeed(seed);
    }

    /** Restarts the stream as {@code new Generator(seed)} would. */
    public Generator manualSeed(long seed) {
        long x = seed;
        s0 = splitMix(x += 0x9E3779B97F4A7C15L);
        s1 = splitMix(x += 0x9E3779B97F4A7C15L);
        s2 = splitMix(x += 0x9E3779B97F4A7C15L);
        s3 = splitMix(x + 0x9E3779B97F4A7C15L);
        hasSpare = false;
        return this;
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The next 64 random bits. */
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 24 random bits, so every value is exactly representable as a float. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound), without modulo bias. */
    public long nextLong(long bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long r = nextLong() >>> 1;
        long m = bound - 1;
        if ((bound & m) == 0) return r & m;
        for (long u = r; u - (r = u % bound) + m < 0; u = nextLong() >>> 1) { }
        return r;
    }

    /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareNormal;
        }
        double u1;
        do u1 = nextDouble(); while (u1 == 0.0);
        double u2 = nextDouble();
        double r = Math.sqrt(-2.0 * Math.log(u1));
        spareNormal = r * Math.sin(2 * Math.PI * u2);
        hasSpare = true;
        return r * Math.cos(2 * Math.PI * u2);
    }

    /** The full state (four words, the spare normal's bits, and whether it is set), for checkpoints. */
    public long[] state() {
        return new long[] {s0, s1, s2, s3, Double.doubleToRawLongBits(spareNormal), hasSpare ? 1 : 0};
    }

    /** Restores a state taken with {@link #state()}. */
    public void setState(long[] state) {
        if (state == null || state.length != 6)
            throw new IllegalArgumentException("generator state must have 6 words, got "
                    + (state == null ? "null" : state.length));
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
            throw new IllegalArgumentException("generator state is all zeros, which xoshiro256** cannot leave");
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3];
        spareNormal = Double.longBitsToDouble(state[4]);
        hasSpare = state[5] != 0;
    }
}
