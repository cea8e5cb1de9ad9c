package dev.nabla.kernel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reusable spinning barrier for the threads of one {@link Gemm} call. The waits are short (one packed
 * B panel, a few microseconds), far shorter than parking and waking a thread, so waiters spin and only
 * start yielding when the wait grows long (another process has the other core). If a party fails, the
 * barrier breaks and every waiter throws instead of spinning forever.
 */
final class GemmBarrier {
    private final int parties;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile int generation;
    private volatile boolean broken;

    GemmBarrier(int parties) {
        this.parties = parties;
    }

    void await() {
        int g = generation;
        if (arrived.incrementAndGet() == parties) {
            arrived.set(0);         // before the release: a released thread may arrive at the next barrier at once
            generation = g + 1;
            return;
        }
        for (int spins = 0; generation == g; spins++) {
            if (broken) throw new IllegalStateException("another thread of the matrix product failed");
            if (spins < 1 << 14) Thread.onSpinWait(); else Thread.yield();
        }
    }

    void breakBarrier() {
        broken = true;
    }
}
