package dev.nabla.kernel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared workers: every index exactly once, failures surface, nesting and concurrent callers. */
class ParallelTest {
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    private static void assertEachIndexOnce(int n, int grain) {
        AtomicIntegerArray hits = new AtomicIntegerArray(n);
        Parallel.forRange(n, grain, (from, to) -> {
            for (int i = from; i < to; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n);
    }

    @Test
    void coversEveryIndexOnceForManySizesAndThreadCounts() {
        for (int t : new int[] {1, 2, 3, 4}) {
            Parallel.setThreads(t);
            for (int n : new int[] {1, 2, 3, 7, 100, 1001}) for (int grain : new int[] {1, 3, 1000}) assertEachIndexOnce(n, grain);
        }
    }

    @Test
    void splitsIntoAtMostThreadsRangesOfAtLeastTheGrain() {
        Parallel.setThreads(3);
        List<int[]> ranges = java.util.Collections.synchronizedList(new ArrayList<>());
        Parallel.forRange(100, 10, (from, to) -> ranges.add(new int[] {from, to}));
        assertEquals(3, ranges.size());
        ranges.clear();
        Parallel.forRange(25, 10, (from, to) -> ranges.add(new int[] {from, to}));
        assertEquals(2, ranges.size(), "25 indices with a grain of 10 make 2 ranges");
        ranges.clear();
        Parallel.forRange(9, 10, (from, to) -> ranges.add(new int[] {from, to}));
        assertEquals(1, ranges.size());
        assertEquals(0, ranges.getFirst()[0]);
        assertEquals(9, ranges.getFirst()[1]);
    }

    @Test
    void aFailureInAnyRangeReachesTheCallerAndThePoolStaysUsable() {
        Parallel.setThreads(2);
        IllegalStateException boom = new IllegalStateException("boom");
        for (int failing = 0; failing < 2; failing++) {
            int f = failing;
            var x = assertThrows(IllegalStateException.class, () -> Parallel.forRange(2, 1, (from, to) -> {
                if (from == f) throw boom;
            }));
            assertSame(boom, x);
            assertEachIndexOnce(1000, 1);
        }
        assertThrows(AssertionError.class, () -> Parallel.forRange(2, 1, (from, to) -> { throw new AssertionError("e"); }));
        assertEachIndexOnce(1000, 1);
    }

    @Test
    void nestedCallsRunInlineOnTheThreadOfTheirRange() {
        Parallel.setThreads(2);
        Set<String> mismatches = ConcurrentHashMap.newKeySet();
        AtomicIntegerArray hits = new AtomicIntegerArray(400);
        Parallel.forRange(4, 1, (from, to) -> {
            Thread outer = Thread.currentThread();
            for (int r = from; r < to; r++) {
                int base = r * 100;
                Parallel.forRange(100, 1, (a, b) -> {
                    if (Thread.currentThread() != outer) mismatches.add(outer.getName());
                    for (int i = a; i < b; i++) hits.incrementAndGet(base + i);
                });
            }
        });
        assertTrue(mismatches.isEmpty(), "nested ranges ran on other threads: " + mismatches);
        for (int i = 0; i < 400; i++) assertEquals(1, hits.get(i));
    }

    @Test
    void concurrentCallersFromManyThreadsEachGetTheirWholeRange() throws Exception {
        Parallel.setThreads(2);
        List<Thread> callers = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < 4; c++) {
            callers.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int k = 0; k < 300; k++) assertEachIndexOnce(257, 1);
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        for (Thread t : callers) t.join();
        assertTrue(errors.isEmpty(), () -> "errors: " + errors);
    }

    @Test
    void parkedWorkersWakeUpForTheNextJob() throws Exception {
        Parallel.setThreads(2);
        assertEachIndexOnce(64, 1);
        // longer than the workers spin, so they have parked
        Thread.sleep(Parallel.DEFAULT_SPIN_MICROS / 1000 + 50);
        Set<String> names = ConcurrentHashMap.newKeySet();
        for (int k = 0; k < 200 && names.size() < 2; k++) {
            Parallel.forRange(2, 1, (from, to) -> {
                names.add(Thread.currentThread().getName());
                long until = System.nanoTime() + 200_000; // long enough for a woken worker to claim the other range
                while (System.nanoTime() < until) Thread.onSpinWait();
            });
        }
        assertEquals(2, names.size(), "a worker took part: " + names);
    }

    @Test
    void togetherRunsEveryPartAtTheSameTimeOnItsOwnThread() throws Exception {
        Parallel.setThreads(2);
        for (int round = 0; round < 200; round++) {
            // the parts meet at a barrier: run one after the other, the first would time out
            java.util.concurrent.CyclicBarrier meet = new java.util.concurrent.CyclicBarrier(2);
            Set<String> threadNames = ConcurrentHashMap.newKeySet();
            AtomicIntegerArray hits = new AtomicIntegerArray(2);
            boolean ran = Parallel.together(2, (part, parts) -> {
                assertEquals(2, parts);
                hits.incrementAndGet(part);
                threadNames.add(Thread.currentThread().getName());
                try {
                    meet.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("part " + part + " waited alone", e);
                }
            });
            assertTrue(ran);
            assertEquals(1, hits.get(0));
            assertEquals(1, hits.get(1));
            assertEquals(2, threadNames.size(), "two threads: " + threadNames);
            if (round % 50 == 0) Thread.sleep(5); // let the worker park now and then: it must be woken
            assertEachIndexOnce(100, 1);          // range jobs in between leave no part to run twice
        }
    }

    @Test
    void togetherDeclinesWhatItCannotRunConcurrently() {
        Parallel.setThreads(2);
        assertTrue(!Parallel.together(3, (p, n) -> { throw new AssertionError("more parts than threads"); }));
        assertTrue(!Parallel.together(1, (p, n) -> { throw new AssertionError("one part"); }));
        List<Boolean> nested = java.util.Collections.synchronizedList(new ArrayList<>());
        Parallel.forRange(2, 1, (from, to) -> nested.add(Parallel.together(2, (p, n) -> { })));
        assertEquals(List.of(false, false), nested, "inside a parallel region it declines");
        IllegalStateException boom = new IllegalStateException("boom");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> Parallel.together(2, (p, n) -> {
            if (p == 1) throw boom;
        })));
        assertEachIndexOnce(1000, 1);
    }

    @Test
    void whileAnotherThreadOwnsTheWorkersTheSameRangesRunOneAfterAnother() throws Exception {
        Parallel.setThreads(2);
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(2);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread owner = new Thread(() -> Parallel.forRange(2, 1, (from, to) -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        owner.start();
        try {
            assertTrue(holding.await(10, java.util.concurrent.TimeUnit.SECONDS), "the owner's ranges did not start");
            List<int[]> ranges = new ArrayList<>();
            List<String> threads = new ArrayList<>();
            Parallel.forRange(10, 1, (from, to) -> {
                ranges.add(new int[] {from, to});
                threads.add(Thread.currentThread().getName());
            });
            // as the workers would have split it: a body summing per range gives the same bits either way
            assertEquals(2, ranges.size());
            assertEquals(List.of(0, 5), List.of(ranges.get(0)[0], ranges.get(0)[1]));
            assertEquals(List.of(5, 10), List.of(ranges.get(1)[0], ranges.get(1)[1]));
            assertEquals(List.of(Thread.currentThread().getName(), Thread.currentThread().getName()), threads);
        } finally {
            release.countDown();
            owner.join(10_000);
        }
    }

    /** The ranges forChunks hands out, sorted by start. */
    private static List<int[]> chunksOf(int n, int chunks) {
        List<int[]> ranges = java.util.Collections.synchronizedList(new ArrayList<>());
        Parallel.forChunks(n, chunks, (from, to) -> ranges.add(new int[] {from, to}));
        List<int[]> sorted = new ArrayList<>(ranges);
        sorted.sort(java.util.Comparator.comparingInt(r -> r[0]));
        return sorted;
    }

    @Test
    void forChunksCutsTheSameRangesWhateverTheThreadCount() {
        for (int t : new int[] {1, 2, 3}) {
            Parallel.setThreads(t);
            List<int[]> ranges = chunksOf(10, 4);
            // the cut of 10 into 4: 0-2, 2-5, 5-7, 7-10, on any number of threads
            assertEquals(List.of(List.of(0, 2), List.of(2, 5), List.of(5, 7), List.of(7, 10)),
                    ranges.stream().map(r -> List.of(r[0], r[1])).toList(), "threads=" + t);
            assertEquals(3, chunksOf(3, 8).size(), "no more chunks than indices");
            assertEquals(List.of(0, 5), List.of(chunksOf(5, 1).getFirst()[0], chunksOf(5, 1).getFirst()[1]));
            assertEquals(0, chunksOf(0, 4).size());
        }
    }

    @Test
    void forChunksRunsMoreChunksThanThreadsEachOnce() {
        Parallel.setThreads(2);
        for (int n : new int[] {7, 64, 1001}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            Set<String> names = ConcurrentHashMap.newKeySet();
            Parallel.forChunks(n, 16, (from, to) -> {
                names.add(Thread.currentThread().getName());
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
            });
            for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n);
            assertTrue(names.size() <= 2, "only the caller and one worker take chunks: " + names);
        }
    }

    @Test
    void forChunksInsideAParallelRegionRunsItsChunksInOrderOnTheSameThread() {
        Parallel.setThreads(2);
        List<List<Integer>> inner = java.util.Collections.synchronizedList(new ArrayList<>());
        Parallel.forRange(2, 1, (from, to) -> {
            List<Integer> starts = new ArrayList<>();
            String me = Thread.currentThread().getName();
            Parallel.forChunks(9, 3, (a, b) -> {
                assertEquals(me, Thread.currentThread().getName());
                starts.add(a);
            });
            inner.add(starts);
        });
        assertEquals(List.of(List.of(0, 3, 6), List.of(0, 3, 6)), inner);
    }

    @Test
    void aFailureInOneChunkReachesTheCaller() {
        Parallel.setThreads(2);
        var e = assertThrows(IllegalStateException.class, () -> Parallel.forChunks(100, 10, (from, to) -> {
            if (from == 50) throw new IllegalStateException("chunk at 50");
        }));
        assertEquals("chunk at 50", e.getMessage());
        assertEachIndexOnce(100, 1);
    }
}
