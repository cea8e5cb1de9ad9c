package dev.nabla.nn.models;

/**
 * The keys and values a {@link GPT} has computed so far for a batch of sequences, so that each new token attends to
 * them instead of recomputing the whole context ({@link GPT#forwardCached}). Per block it holds one float[] of keys and
 * one of values, each laid out [B, block_size, n_embd] (position-major, heads side by side as c_attn writes them);
 * {@link #length()} positions are filled. Made by {@link GPT#newCache(int)}; {@link #reset()} empties it for reuse.
 */
public final class KVCache {
    private final int batch, capacity, width;
    private final float[][] keys, values;
    private int length;

    KVCache(int batch, int layers, int capacity, int width) {
        if (batch < 1) throw new IllegalArgumentException("KVCache: batch must be at least 1, got " + batch);
        if ((long) batch * capacity * width > Integer.MAX_VALUE)
            throw new IllegalArgumentException("KVCache: batch " + batch + " × block_size " + capacity + " × n_embd " + width
                    + " exceeds 2^31 floats");
        this.batch = batch;
        this.capacity = capacity;
        this.width = width;
        this.keys = new float[layers][batch * capacity * width];
        this.values = new float[layers][batch * capacity * width];
    }

    /** The number of sequences (the B of every chunk fed to it). */
    public int batch() { return batch; }

    /** The most positions it can hold: the model's block_size. */
    public int capacity() { return capacity; }

    /** Positions held so far (the position of the next token). */
    public int length() { return length; }

    /** Positions still free. */
    public int remaining() { return capacity - length; }

    /** Forgets every position (the arrays are reused). */
    public void reset() { length = 0; }

    int width() { return width; }

    float[] keys(int layer) { return keys[layer]; }

    float[] values(int layer) { return values[layer]; }

    int layers() { return keys.length; }

    void advance(int positions) { length += positions; }
}
