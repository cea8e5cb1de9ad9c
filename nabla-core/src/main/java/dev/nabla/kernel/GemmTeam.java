package dev.nabla.kernel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The helper threads of a split {@link Gemm}: {@code parts - 1} threads that stay awake for a short while
 * after each product, so that back-to-back products (a training step is dozens of them) do not pay a
 * thread wake-up each. On this kind of virtual machine a parked thread takes 50-100 µs to run again
 * (measured: an empty {@link Parallel#forRange} over two threads cost 50-70 µs, one with 50 µs of work on
 * each side 140-180 µs), which is most of a 64×784×64 or 256³ product. An idle helper first spins, then
 * yields (keeping its core out of the idle state while letting any other runnable thread have it), and
 * parks after {@link #LINGER_NANOS}. The caller runs part 0 itself and spins for the others likewise.
 *
 * <p>One product at a time: a call that finds the team busy (another thread's product, or a product
 * nested in a parallel region) runs all parts itself, as does one inside {@link Parallel#forRange}.
 */
final class GemmTeam {
    private GemmTeam() {}

    /** How long an idle helper stays awake for the next product before parking. */
    static final long LINGER_NANOS = 1_000_000;

    @FunctionalInterface
    interface Part {
        /** Runs part {@code part} of {@code parts}. */
        void run(int part, int parts);
    }

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static Helper[] helpers = new Helper[0];

    /**
     * Runs {@code body} for parts 0 .. parts-1, concurrently on the caller and parts-1 helpers when the
     * team is free (the parts may then wait for each other); returns false without running anything when
     * it is not, so that the caller can run a version that needs no concurrency.
     */
    static boolean tryRun(int parts, Part body) {
        if (parts <= 1 || Parallel.inParallelRegion() || !BUSY.compareAndSet(false, true)) return false;
        try {
            Helper[] team = team(parts - 1);
            AtomicInteger pending = new AtomicInteger(parts - 1);
            Throwable[] failure = new Throwable[parts];
            for (int h = 0; h < parts - 1; h++) team[h].post(body, h + 1, parts, pending, failure);
            try {
                body.run(0, parts);
            } catch (Throwable t) {
                failure[0] = t;
            }
            for (int spins = 0; pending.get() > 0; spins++) {
                if (spins < 1 << 12) Thread.onSpinWait(); else Thread.yield();
            }
            Throwable first = null;
            for (Throwable t : failure) {
                if (t == null) continue;
                if (first == null) first = t; else first.addSuppressed(t);
            }
            if (first instanceof RuntimeException re) throw re;
            if (first instanceof Error e) throw e;
            if (first != null) throw new RuntimeException(first);
            return true;
        } finally {
            BUSY.set(false);
        }
    }

    /** The first {@code count} helpers, started on first use (only ever called while BUSY is held). */
    private static Helper[] team(int count) {
        if (helpers.length < count) {
            Helper[] grown = java.util.Arrays.copyOf(helpers, count);
            for (int i = helpers.length; i < count; i++) {
                grown[i] = new Helper();
                Thread t = new Thread(grown[i], "nabla-gemm-" + (i + 1));
                t.setDaemon(true);
                grown[i].thread = t;
                t.start();
            }
            helpers = grown;
        }
        return helpers;
    }

    private static final class Helper implements Runnable {
        volatile Thread thread;
        /** Incremented for each posted job; the helper runs a job when it sees a new generation. */
        private volatile int generation;
        private volatile boolean parked;
        private Part body;
        private int part, parts;
        private AtomicInteger pending;
        private Throwable[] failure;

        void post(Part body, int part, int parts, AtomicInteger pending, Throwable[] failure) {
            this.body = body;
            this.part = part;
            this.parts = parts;
            this.pending = pending;
            this.failure = failure;
            generation++;                   // volatile write publishes the fields above
            if (parked) LockSupport.unpark(thread);
        }

        @Override public void run() {
            int seen = 0;
            while (true) {
                long idleSince = System.nanoTime();
                for (int spins = 0; generation == seen; spins++) {
                    if (spins < 1 << 12) {
                        Thread.onSpinWait();
                    } else if (System.nanoTime() - idleSince < LINGER_NANOS) {
                        Thread.yield();
                    } else {
                        parked = true;
                        if (generation == seen) LockSupport.park(this);
                        parked = false;
                    }
                }
                seen = generation;
                try {
                    body.run(part, parts);
                } catch (Throwable t) {
                    failure[part] = t;
                }
                body = null;
                pending.decrementAndGet();
            }
        }
    }
}
