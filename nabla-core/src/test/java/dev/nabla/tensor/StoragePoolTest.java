package dev.nabla.tensor;

import dev.nabla.autograd.Graph;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class StoragePoolTest {
    private static final int N = 1000; // above the pool's minimum length

    @Test
    void theNextStepReusesTheArraysZeroed() {
        StoragePool pool = new StoragePool();
        float[] first;
        try (var step = pool.step()) {
            first = Tensor.zeros(N).data();
            Arrays.fill(first, 5f); // as an op writes its output
            assertEquals(0, pool.pooledBytes(), "nothing waits while the step holds it");
        }
        assertEquals(4L * N, pool.pooledBytes());
        try (var step = pool.step()) {
            Tensor z = Tensor.zeros(N);
            assertSame(first, z.data(), "the array the first step gave back");
            for (float v : z.toFloatArray()) assertEquals(0f, v);
        }
        assertEquals(2, pool.handedOut());
        assertEquals(1, pool.reused());
    }

    @Test
    void aTensorFromAClosedStepIsDeadAndSaysSo() {
        StoragePool pool = new StoragePool();
        Tensor t, view;
        try (var step = pool.step()) {
            t = Tensor.ones(N).mul(2f);
            view = t.narrow(0, 10, 5);
            assertEquals(2f, view.get(0));
        }
        for (Runnable r : new Runnable[] {t::data, t::toFloatArray, () -> t.get(3), view::data,
                () -> view.narrow(0, 0, 1).item(), () -> t.reshape(10, 100).toFloatArray()}) {
            var e = assertThrows(IllegalStateException.class, r::run);
            assertTrue(e.getMessage().contains("[" + N + "]") || e.getMessage().contains("dead"), e.getMessage());
            assertTrue(e.getMessage().contains("StoragePool"), e.getMessage());
        }
        assertEquals("tensor(<dead: storage recycled by a StoragePool>, shape=[" + N + "])", t.toString());
    }

    @Test
    void keptTensorsAndTheirViewsOutliveTheStep() {
        StoragePool pool = new StoragePool();
        Tensor kept, other;
        try (var step = pool.step()) {
            kept = Tensor.ones(N).mul(3f);
            other = Tensor.ones(N).mul(4f);
            step.keep(kept.narrow(0, 0, 2)); // keeping a view keeps the whole storage
            StoragePool.keepInCurrentStep(other);
        }
        assertEquals(3f * N, sum(kept.toFloatArray()));
        assertEquals(4f * N, sum(other.toFloatArray()));
        try (var step = pool.step()) {
            Tensor fresh = Tensor.zeros(N);
            assertNotSame(kept.data(), fresh.data());
            assertNotSame(other.data(), fresh.data());
        }
        assertEquals(3f * N, sum(kept.toFloatArray()), "a kept storage is never handed out again");
    }

    @Test
    void withoutAStepNothingIsPooledOrTracked() {
        float[] a = Graph.buffer(N);
        assertNull(StoragePool.allocate(N));
        Tensor t = Tensor.of(a, N);
        StoragePool pool = new StoragePool();
        try (var step = pool.step()) {
            step.keep(t); // not the step's: a no-op
            assertNull(StoragePool.allocate(StoragePool.MIN - 1), "short arrays are left to the allocator");
        }
        assertEquals(0f, t.get(0));
        assertEquals(0, pool.handedOut());
    }

    @Test
    void aNestedStepJoinsTheOuterOne() {
        StoragePool pool = new StoragePool();
        Tensor inner;
        try (var outer = pool.step()) {
            try (var nested = pool.step()) {
                inner = Tensor.ones(N).add(1f);
            }
            assertEquals(2f, inner.get(0), "closing the nested step gives nothing back");
            Tensor alsoOuters = Tensor.zeros(N);
            assertNotSame(inner.data(), alsoOuters.data());
        }
        assertThrows(IllegalStateException.class, () -> inner.get(0));
    }

    @Test
    void arraysNotAskedForInTwoStepsAreDropped() {
        StoragePool pool = new StoragePool();
        try (var s = pool.step()) { Tensor.zeros(N); }
        try (var s = pool.step()) { Tensor.zeros(2 * N); } // the N array waits a step longer
        try (var s = pool.step()) { Tensor.zeros(2 * N); }
        assertEquals(1, pool.reused());
        try (var s = pool.step()) { Tensor.zeros(N); }     // dropped by now: a new one
        assertEquals(1, pool.reused());
        try (var s = pool.step()) { Tensor.zeros(2 * N); } // the 2N array was recycled once more
        assertEquals(2, pool.reused());
        try (var s = pool.step()) { Tensor.zeros(N); }     // and the N array waited one step
        assertEquals(3, pool.reused());
    }

    @Test
    void aStepBelongsToItsThread() throws Exception {
        StoragePool pool = new StoragePool();
        float[][] seen = new float[1][];
        try (var step = pool.step()) {
            Thread t = new Thread(() -> seen[0] = Graph.buffer(N));
            t.start();
            t.join();
        }
        Tensor other = Tensor.of(seen[0], N);
        assertEquals(0f, other.get(0), "an array made on another thread is not the step's");
        assertEquals(0, pool.handedOut());
    }

    private static float sum(float[] a) {
        float s = 0;
        for (float v : a) s += v;
        return s;
    }
}
