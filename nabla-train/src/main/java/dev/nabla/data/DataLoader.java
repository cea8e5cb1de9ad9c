package dev.nabla.data;

import dev.nabla.tensor.Generator;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Batches of a dataset, epoch by epoch: seeded reshuffling per epoch, optional drop-last, and a background
 * thread that gathers the next batch while the model works on the current one.
 *
 * <p>Each epoch's order is derived from (seed, epoch) alone, so a run resumed at epoch e sees exactly the
 * batches an uninterrupted run would: {@link #epoch(int)} is all a checkpoint needs to remember.
 */
public final class DataLoader {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final boolean prefetch;

    /**
     * @param prefetch gather the next batch on a background thread
     */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, long seed, boolean prefetch) {
        if (batchSize < 1) throw new IllegalArgumentException("DataLoader: batch_size must be at least 1, got " + batchSize);
        if (dataset.size() == 0) throw new IllegalArgumentException("DataLoader: the dataset is empty");
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
        this.prefetch = prefetch;
    }

    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, long seed) {
        this(dataset, batchSize, shuffle, false, seed, true);
    }

    public Dataset dataset() { return dataset; }

    public int batchSize() { return batchSize; }

    /** Batches per epoch. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The example order of epoch {@code epoch} (0-based). */
    public int[] order(int epoch) {
        int n = dataset.size();
        if (!shuffle) {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) p[i] = i;
            return p;
        }
        // One generator per epoch, seeded from (seed, epoch): no state carried between epochs.
        return Shuffle.permutation(n, new Generator(seed * 0x9E3779B97F4A7C15L + epoch));
    }

    /** The batches of one epoch, from batch {@code firstBatch} on (for resuming mid-epoch). */
    public Iterable<Batch> epoch(int epoch, int firstBatch) {
        int[] order = order(epoch);
        int count = batchesPerEpoch();
        if (firstBatch < 0 || firstBatch > count)
            throw new IllegalArgumentException("DataLoader: batch " + firstBatch + " is outside an epoch of " + count);
        return () -> prefetch ? new Prefetching(order, firstBatch, count) : new Direct(order, firstBatch, count);
    }

    public Iterable<Batch> epoch(int epoch) {
        return epoch(epoch, 0);
    }

    private Batch gather(int[] order, int b) {
        int from = b * batchSize, to = Math.min(from + batchSize, order.length);
        return dataset.batch(java.util.Arrays.copyOfRange(order, from, to));
    }

    private final class Direct implements Iterator<Batch> {
        private final int[] order;
        private final int count;
        private int next;

        Direct(int[] order, int first, int count) {
            this.order = order;
            this.next = first;
            this.count = count;
        }

        @Override public boolean hasNext() { return next < count; }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException();
            return gather(order, next++);
        }
    }

    /** Gathers ahead on a daemon thread; at most two batches wait. Errors surface on the consumer's thread. */
    private final class Prefetching implements Iterator<Batch> {
        private record Item(Batch batch, RuntimeException error) {}

        private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(2);
        private final int count;
        private int delivered;
        private final Thread worker;

        Prefetching(int[] order, int first, int count) {
            this.count = count;
            this.delivered = first;
            this.worker = Thread.ofPlatform().daemon().name("nabla-data").start(() -> {
                try {
                    for (int b = first; b < count; b++) queue.put(new Item(gather(order, b), null));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    try { queue.put(new Item(null, e)); } catch (InterruptedException ie) { Thread.currentThread().interrupt(); }
                }
            });
        }

        @Override public boolean hasNext() { return delivered < count; }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException();
            try {
                Item item = queue.take();
                if (item.error() != null) {
                    delivered = count;
                    throw item.error();
                }
                delivered++;
                return item.batch();
            } catch (InterruptedException e) {
                worker.interrupt();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("DataLoader: interrupted while waiting for a batch", e);
            }
        }
    }
}
