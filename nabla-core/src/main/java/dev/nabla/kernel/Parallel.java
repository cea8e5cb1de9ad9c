package dev.nabla.kernel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker threads every heavy kernel shares, sized to the machine (or to {@code -Dnabla.threads=N}).
 * Work is split into at most {@link #threads()} contiguous ranges, so there is no thread per call and no
 * task explosion on a 2-core machine; small jobs run on the caller's thread.
 *
 * <p>Why not a {@code ForkJoinPool}: its idle workers park at once, and waking a parked thread on another
 * (virtual) CPU took 20-50 µs here, more than a whole 64×784×64 product on one core, so two threads were
 * slower than one for the MLP's layers. These workers instead spin for a short while after each job
 * ({@code -Dnabla.spinMicros}, default {@value #DEFAULT_SPIN_MICROS} µs) and see the next job within a
 * microsecond, as OpenMP's do; only then do they park. And the caller claims unstarted ranges itself, so a
 * worker that is asleep or descheduled delays nothing beyond the serial time.
 */
public final class Parallel {
    private static volatile int threads = Integer.getInteger("nabla.threads", Runtime.getRuntime().availableProcessors());

    static final int DEFAULT_SPIN_MICROS = 200;
    private static final long SPIN_NANOS = Long.getLong("nabla.spinMicros", DEFAULT_SPIN_MICROS) * 1000L;

    /** Set while a thread runs a share of a forRange: nested calls then run inline instead of forking again. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

    /** One caller at a time owns the workers; another thread calling meanwhile runs its range inline. */
    private static final AtomicBoolean BUSY = new AtomicBoolean();

    private static final Object WORKERS_LOCK = new Object();
    private static volatile Worker[] workers = new Worker[0];

    /** The job being run; published by the volatile write of {@link #generation}. */
    private static volatile Job job;
    private static volatile long generation;

    private Parallel() {}

    /** How many threads kernels split work over. */
    public static int threads() {
        return threads;
    }

    /** Sets how many threads kernels use from now on (1 = everything on the caller's thread). */
    public static void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be at least 1, got " + n);
        threads = n;
    }

    /** Whether the calling thread is running a share of a {@link #forRange} (work started now should not fork). */
    public static boolean inParallelRegion() {
        return INSIDE.get()[0];
    }

    /** A body over the index range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** One part of a {@link #together} call: part {@code part} of {@code parts}. */
    @FunctionalInterface
    public interface PartBody {
        void run(int part, int parts);
    }

    /**
     * One forRange call, whose ranges are claimed by index by the caller and the workers alike; or one
     * {@link #together} call, whose part p is run by worker p (the caller runs part 0).
     */
    private static final class Job {
        final RangeBody body;
        final PartBody together;
        final AtomicIntegerArray claimed;
        final int n, parts;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(RangeBody body, int n, int parts) {
            this.body = body;
            this.together = null;
            this.claimed = null;
            this.n = n;
            this.parts = parts;
        }

        Job(PartBody together, int parts) {
            this.body = null;
            this.together = together;
            this.claimed = new AtomicIntegerArray(parts);
            this.n = parts;
            this.parts = parts;
        }

        /** Claims and runs ranges until none is left; for a together job, runs part {@code part} once. */
        void work(int part) {
            if (together != null) {
                // a worker may see the same job twice (it read an older generation, then this job): once only
                if (part < parts && claimed.compareAndSet(part, 0, 1)) run(part);
                return;
            }
            int p;
            while ((p = next.getAndIncrement()) < parts) run(p);
        }

        private void run(int p) {
            boolean[] inside = INSIDE.get();
            inside[0] = true;
            try {
                if (together != null) together.run(p, parts);
                else body.run((int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts));
            } catch (Throwable t) {
                synchronized (this) {
                    if (failure == null) failure = t; else failure.addSuppressed(t);
                }
            } finally {
                inside[0] = false;
                done.incrementAndGet();
            }
        }
    }

    private static final class Worker extends Thread {
        volatile boolean parked;
        private final long startGeneration;
        /** The part of a {@link #together} job this worker runs (the caller runs part 0). */
        private final int part;

        Worker(int index, long startGeneration) {
            super("nabla-" + index);
            this.part = index;
            this.startGeneration = startGeneration;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = startGeneration;
            while (true) {
                long g = generation;
                if (g == seen) {
                    g = await(seen);
                }
                seen = g;
                Job j = job;
                if (j != null) j.work(part);
            }
        }

        /** Spins for {@link #SPIN_NANOS} waiting for a new generation, then parks until woken. */
        private long await(long seen) {
            long start = System.nanoTime();
            int spins = 0;
            while (true) {
                long g = generation;
                if (g != seen) return g;
                if ((++spins & 63) != 0) {
                    Thread.onSpinWait();
                    continue;
                }
                if (System.nanoTime() - start < SPIN_NANOS) continue;
                parked = true;
                if (generation == seen) LockSupport.park(this);
                parked = false;
                start = System.nanoTime();
            }
        }
    }

    /** Workers for {@code count} ranges besides the caller's, started on first need. */
    private static Worker[] workers(int count) {
        Worker[] w = workers;
        if (w.length >= count) return w;
        synchronized (WORKERS_LOCK) {
            w = workers;
            if (w.length >= count) return w;
            Worker[] grown = java.util.Arrays.copyOf(w, count);
            for (int i = w.length; i < count; i++) {
                grown[i] = new Worker(i + 1, generation);
                grown[i].start();
            }
            workers = grown;
            return grown;
        }
    }

    /**
     * Runs {@code body} over [0, n) split into at most {@link #threads()} ranges of at least {@code grain}
     * indices each; on one range it runs directly on the caller's thread.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int parts = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        boolean[] inside = INSIDE.get();
        // nested: the outer split already keeps every core busy (and always happens there, so it always runs the
        // same way); one range: nothing to share
        if (parts <= 1 || inside[0]) {
            body.run(0, n);
            return;
        }
        // busy: another thread (a data loader's, a second trainer's) owns the workers. The same ranges then run one
        // after the other, so that a body summing per range (a weight gradient over a batch's images) adds the same
        // partial sums in the same order as when the workers are free: a seeded run gives the same bits each time
        if (!BUSY.compareAndSet(false, true)) {
            for (int p = 0; p < parts; p++) body.run((int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts));
            return;
        }
        run(new Job(body, n, parts));
    }

    /**
     * Runs {@code body} over [0, n) cut into {@code chunks} near-equal ranges (n of them if n is smaller),
     * which the caller and the workers claim one at a time until none is left.
     *
     * <p>Unlike {@link #forRange}, the cut depends only on n and chunks, never on the thread count or on who
     * runs what, so a body that sums per range gives the same bits however the ranges are run (on one
     * thread, or with the workers busy, they run one after another in order). More chunks than threads lets
     * a thread that is slowed for a while (on this kind of host the other tenants now and then take part of
     * a core) leave its share to the other instead of keeping it waiting at the end.
     */
    public static void forChunks(int n, int chunks, RangeBody body) {
        if (n <= 0) return;
        int parts = Math.min(n, Math.max(1, chunks));
        if (parts <= 1 || threads <= 1 || INSIDE.get()[0] || !BUSY.compareAndSet(false, true)) {
            for (int p = 0; p < parts; p++) body.run((int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts));
            return;
        }
        run(new Job(body, n, parts));
    }

    /**
     * Runs {@code body} for parts 0 .. parts-1 at the same time, each on its own thread (the caller runs part
     * 0), for work whose parts wait for one another (a GEMM whose threads share packed panels behind a
     * barrier). Returns false without running anything when that cannot be promised: {@code parts} is above
     * {@link #threads()}, the caller is already inside a parallel region, or another thread owns the workers;
     * the caller then runs a version that needs no concurrency.
     */
    public static boolean together(int parts, PartBody body) {
        if (parts <= 1 || parts > threads || INSIDE.get()[0] || !BUSY.compareAndSet(false, true)) return false;
        run(new Job(body, parts));
        return true;
    }

    /** Publishes {@code j} to the workers (BUSY held), takes part in it, waits for every part, rethrows. */
    private static void run(Job j) {
        int parts = j.parts, helpers = Math.min(parts, threads) - 1; // a forChunks job may have more parts than threads
        try {
            Worker[] w = workers(helpers);
            job = j;
            generation = generation + 1; // publishes the job
            for (int i = 0; i < helpers; i++) if (w[i].parked) LockSupport.unpark(w[i]);
            j.work(0);
            int spins = 0;
            while (j.done.get() < parts) {
                if ((++spins & 1023) == 0) Thread.yield(); else Thread.onSpinWait();
            }
        } finally {
            job = null;
            BUSY.set(false);
        }
        Throwable failure = j.failure;
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new RuntimeException(failure);
    }
}
