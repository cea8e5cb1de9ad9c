package dev.nabla.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool every heavy kernel shares, sized to the machine (or to {@code -Dnabla.threads=N}).
 * Work is split into at most {@link #threads()} contiguous ranges, so there is no thread per call and no
 * task explosion on a 2-core machine; small jobs run on the caller's thread.
 */
public final class Parallel {
    private static volatile int threads = Integer.getInteger("nabla.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1,
            Math.max(threads, Runtime.getRuntime().availableProcessors())), pool -> {
        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setName("nabla-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }, null, false);

    /** Set while a thread runs a share of a forRange: nested calls then run inline instead of forking again. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

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

    /**
     * Runs {@code body} over [0, n) split into at most {@link #threads()} ranges of at least {@code grain}
     * indices each; on one range it runs directly on the caller's thread.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int parts = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        boolean[] inside = INSIDE.get();
        if (parts <= 1 || inside[0]) { // nested: the outer split already keeps every core busy
            body.run(0, n);
            return;
        }
        RecursiveAction[] tasks = new RecursiveAction[parts - 1];
        for (int p = 1; p < parts; p++) {
            int from = (int) ((long) n * p / parts), to = (int) ((long) n * (p + 1) / parts);
            tasks[p - 1] = new RecursiveAction() {
                @Override protected void compute() {
                    boolean[] flag = INSIDE.get();
                    flag[0] = true;
                    try {
                        body.run(from, to);
                    } finally {
                        flag[0] = false;
                    }
                }
            };
            POOL.execute(tasks[p - 1]);
        }
        Throwable failure = null;
        inside[0] = true;
        try {
            body.run(0, (int) ((long) n / parts));
        } catch (Throwable t) {
            failure = t;
        } finally {
            inside[0] = false;
        }
        for (RecursiveAction task : tasks) {
            try {
                task.join();
            } catch (Throwable t) {
                if (failure == null) failure = t; else failure.addSuppressed(t);
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new RuntimeException(failure);
    }
}
