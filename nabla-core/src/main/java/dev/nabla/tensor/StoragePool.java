package dev.nabla.tensor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Recycles the storages a training step makes, so that the next step reuses them instead of allocating afresh.
 *
 * <p>Why: a step allocates every activation anew (a small GPT's step about 300 MB, almost all of it garbage once
 * backward has run). A generational collector lets that garbage pile up to a heap several times the data the
 * program holds, which was most of the gap between Nabla's peak memory and PyTorch's, whose reference counts free
 * each buffer into its caching allocator the moment the last tensor on it goes. Java has no reference counts, so
 * the lifetime is made explicit instead: a {@link Step} spans one training step, the op allocator ({@code
 * Graph.buffer}) takes its arrays from the pool while a step is open on the thread, and closing the step gives
 * every array it handed out back to the pool, except those {@link Step#keep kept} (parameters, their gradients,
 * buffers, anything else that outlives the step).
 *
 * <p>Safety: a tensor whose storage was given back is dead. Reading it ({@code data()}, {@code item()}, {@code
 * get}, ...) throws an {@link IllegalStateException} that says so, rather than showing values of a later step.
 * Arrays are zeroed when handed out again, as {@code new float[n]} is. Arrays made any other way (by {@code new},
 * by a file reader, on another thread) are never recycled. Nothing changes for code that opens no step.
 *
 * <pre>{@code
 * StoragePool pool = new StoragePool();
 * for (Batch b : loader.epoch(e)) {
 *     try (StoragePool.Step step = pool.step()) {
 *         optimizer.zeroGrad();
 *         Tensor loss = lossFn.forward(model.forward(b.x()), b.y());
 *         loss.backward();
 *         optimizer.step();
 *         model.keepIn(step);                  // parameters, their grads, buffers (nabla-nn's Module)
 *     }
 * }
 * }</pre>
 */
public final class StoragePool {
    /** Arrays shorter than this are not tracked: allocating them costs less than the bookkeeping. */
    static final int MIN = 256;
    private static final ThreadLocal<Step> ACTIVE = new ThreadLocal<>();

    /** Recycled at the end of the last step, by length. */
    private Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    /** Recycled a step earlier and not asked for since; dropped (left to the collector) at the next close. */
    private Map<Integer, ArrayDeque<float[]>> older = new HashMap<>();
    private long handedOut, reused;

    /**
     * Opens a step on this thread. If one is already open on it (an evaluation run from a callback inside a
     * training step), the new one joins it: what it makes belongs to the outer step, and closing it does nothing.
     */
    public Step step() {
        Step outer = ACTIVE.get();
        if (outer != null) return new Step(this, outer);
        Step s = new Step(this, null);
        ACTIVE.set(s);
        return s;
    }

    /** How many arrays the pool has handed out, and how many of those were reused rather than new. */
    public long handedOut() { return handedOut; }

    public long reused() { return reused; }

    /** Bytes in the arrays waiting to be handed out again: about one step's worth once training runs. */
    public long pooledBytes() {
        long b = 0;
        for (var lists : java.util.List.of(free, older))
            for (ArrayDeque<float[]> q : lists.values()) for (float[] a : q) b += 4L * a.length;
        return b;
    }

    /**
     * A zeroed {@code float[n]} for a tensor's storage, owned by the step open on this thread, or null when no
     * step is open there (or {@code n} is too small to track): the caller then allocates as usual.
     */
    public static float[] allocate(int n) {
        if (n < MIN) return null;
        Step s = ACTIVE.get();
        return s == null ? null : s.root().take(n);
    }

    /** Keeps {@code t}'s storage past the end of the step open on this thread, if there is one and it made it. */
    public static void keepInCurrentStep(Tensor t) {
        Step s = ACTIVE.get();
        if (s != null) s.keep(t);
    }

    /** The lease of {@code a} if the step open on this thread handed it out; null otherwise. */
    static Lease leaseOf(float[] a) {
        if (a.length < MIN) return null;
        Step s = ACTIVE.get();
        return s == null ? null : s.root().leased.get(a);
    }

    private static float[] poll(Map<Integer, ArrayDeque<float[]>> lists, int n) {
        ArrayDeque<float[]> q = lists.get(n);
        return q == null ? null : q.poll();
    }

    /** One training step's storages. Close it (try-with-resources) when the step is done. */
    public static final class Step implements AutoCloseable {
        /** A step that tracks nothing: for code that can run with or without recycling. */
        public static final Step NONE = new Step(null, null);

        private final StoragePool pool;
        private final Step outer;
        private final IdentityHashMap<float[], Lease> leased = new IdentityHashMap<>();
        private boolean closed;

        private Step(StoragePool pool, Step outer) {
            this.pool = pool;
            this.outer = outer;
        }

        private Step root() { return outer == null ? this : outer; }

        private float[] take(int n) {
            float[] a = poll(pool.free, n);
            if (a == null) a = poll(pool.older, n);
            pool.handedOut++;
            if (a != null) {
                pool.reused++;
                Arrays.fill(a, 0f);
            } else {
                a = new float[n];
            }
            leased.put(a, new Lease());
            return a;
        }

        /** Keeps {@code t}'s storage (shared by all its views) past this step. A no-op if the step did not make it. */
        public void keep(Tensor t) {
            if (t != null && t.dtype() == DType.FLOAT32) root().leased.remove(t.data());
        }

        public void keep(Iterable<Tensor> tensors) {
            for (Tensor t : tensors) keep(t);
        }

        /** Gives back every array this step handed out and nobody kept; tensors on them are dead from now on. */
        @Override
        public void close() {
            if (pool == null || closed) return;
            if (outer == null && ACTIVE.get() != this)
                throw new IllegalStateException("a StoragePool step must be closed on the thread that opened it");
            closed = true;
            if (outer != null) return;
            ACTIVE.remove();
            pool.older = pool.free;
            Map<Integer, ArrayDeque<float[]>> recycled = new HashMap<>();
            for (Map.Entry<float[], Lease> e : leased.entrySet()) {
                e.getValue().recycled = true;
                recycled.computeIfAbsent(e.getKey().length, k -> new ArrayDeque<>()).push(e.getKey());
            }
            leased.clear();
            pool.free = recycled;
        }
    }

    /** Whether a pooled storage is still its tensors' own. Shared by a tensor and all its views. */
    static final class Lease {
        boolean recycled;
    }
}
