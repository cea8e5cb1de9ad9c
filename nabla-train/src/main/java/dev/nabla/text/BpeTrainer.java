package dev.nabla.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns byte-level BPE merges.
 *
 * <p>The corpus is split into pieces as in encoding ({@link ByteLevel#split}); identical pieces are counted
 * once with their frequency. Each step merges the adjacent pair with the highest total count; among equal
 * counts the pair whose left token's bytes are smallest (unsigned lexicographic order), then whose right
 * token's bytes are smallest, wins, so training is deterministic and independent of hashing or threads.
 *
 * <p>Counts are kept incrementally: a step only revisits the pieces containing the merged pair (an index
 * pair → pieces), recounts the pairs of those pieces, and pushes changed counts on a max-heap whose stale
 * entries are skipped when popped.
 */
final class BpeTrainer {
    private BpeTrainer() {}

    private record Cand(long pair, long count) {}

    static BpeTokenizer train(byte[] corpus, int vocabSize, int minFrequency) {
        if (vocabSize < 256)
            throw new IllegalArgumentException("BpeTokenizer.train: the vocabulary needs at least the 256 byte tokens, got vocab size " + vocabSize);
        if (minFrequency < 1) throw new IllegalArgumentException("BpeTokenizer.train: min frequency must be at least 1, got " + minFrequency);
        int maxMerges = vocabSize - 256;

        // Distinct pieces and their counts.
        Map<String, long[]> counts = new HashMap<>();
        ByteLevel.split(corpus, (from, to) -> {
            if (to - from < 2) return; // a single byte has no pair
            counts.computeIfAbsent(new String(corpus, from, to - from, StandardCharsets.ISO_8859_1), k -> new long[1])[0]++;
        });
        int[] idOfByte = new int[256];
        byte[][] tokenBytes = new byte[vocabSize][];
        for (int id = 0; id < 256; id++) {
            idOfByte[ByteLevel.ORDER[id]] = id;
            tokenBytes[id] = new byte[] {(byte) ByteLevel.ORDER[id]};
        }
        // Sorted so that piece indices, and thus everything after, do not depend on HashMap order.
        String[] keys = counts.keySet().toArray(new String[0]);
        Arrays.sort(keys);
        int nw = keys.length;
        int[][] words = new int[nw][];
        int[] wordLen = new int[nw];
        long[] freq = new long[nw];
        for (int w = 0; w < nw; w++) {
            String k = keys[w];
            int[] s = new int[k.length()];
            for (int i = 0; i < s.length; i++) s[i] = idOfByte[k.charAt(i) & 0xFF];
            words[w] = s;
            wordLen[w] = s.length;
            freq[w] = counts.get(k)[0];
        }
        counts.clear();

        Map<Long, long[]> pairCount = new HashMap<>();
        Map<Long, BpeTokenizer.IntList> where = new HashMap<>();
        for (int w = 0; w < nw; w++) {
            int[] s = words[w];
            for (int i = 0; i + 1 < s.length; i++) {
                long p = key(s[i], s[i + 1]);
                pairCount.computeIfAbsent(p, k -> new long[1])[0] += freq[w];
                BpeTokenizer.IntList l = where.computeIfAbsent(p, k -> new BpeTokenizer.IntList(4));
                if (l.last() != w) l.add(w);
            }
        }
        PriorityQueue<Cand> heap = new PriorityQueue<>(Math.max(16, pairCount.size()), (x, y) -> {
            if (x.count != y.count) return Long.compare(y.count, x.count);
            int c = Arrays.compareUnsigned(tokenBytes[(int) (x.pair >>> 32)], tokenBytes[(int) (y.pair >>> 32)]);
            if (c != 0) return c;
            return Arrays.compareUnsigned(tokenBytes[(int) x.pair], tokenBytes[(int) y.pair]);
        });
        for (Map.Entry<Long, long[]> e : pairCount.entrySet()) heap.add(new Cand(e.getKey(), e.getValue()[0]));

        int[] left = new int[maxMerges], right = new int[maxMerges];
        int[] visited = new int[nw];
        Arrays.fill(visited, -1);
        Map<Long, long[]> delta = new HashMap<>();
        int m = 0;
        while (m < maxMerges) {
            Cand best = null;
            while (!heap.isEmpty()) {
                Cand c = heap.poll();
                long[] cur = pairCount.get(c.pair);
                if (cur != null && cur[0] == c.count && c.count > 0) {
                    best = c;
                    break;
                }
            }
            if (best == null || best.count < minFrequency) break;
            int a = (int) (best.pair >>> 32), b = (int) best.pair, id = 256 + m;
            left[m] = a;
            right[m] = b;
            byte[] ta = tokenBytes[a], tb = tokenBytes[b], t = Arrays.copyOf(ta, ta.length + tb.length);
            System.arraycopy(tb, 0, t, ta.length, tb.length);
            tokenBytes[id] = t;

            delta.clear();
            BpeTokenizer.IntList ws = where.remove(best.pair);
            for (int q = 0; q < ws.n; q++) {
                int w = ws.a[q];
                if (visited[w] == m) continue;
                visited[w] = m;
                int[] s = words[w];
                int len = wordLen[w];
                boolean found = false;
                for (int i = 0; i + 1 < len; i++) if (s[i] == a && s[i + 1] == b) { found = true; break; }
                if (!found) continue;
                long f = freq[w];
                for (int i = 0; i + 1 < len; i++) delta.computeIfAbsent(key(s[i], s[i + 1]), k -> new long[1])[0] -= f;
                int o = 0;
                for (int i = 0; i < len; ) {
                    if (i + 1 < len && s[i] == a && s[i + 1] == b) {
                        s[o++] = id;
                        i += 2;
                    } else {
                        s[o++] = s[i++];
                    }
                }
                wordLen[w] = o;
                for (int i = 0; i + 1 < o; i++) {
                    long p = key(s[i], s[i + 1]);
                    delta.computeIfAbsent(p, k -> new long[1])[0] += f;
                    if (s[i] == id || s[i + 1] == id) {
                        BpeTokenizer.IntList l = where.computeIfAbsent(p, k -> new BpeTokenizer.IntList(4));
                        if (l.last() != w) l.add(w);
                    }
                }
            }
            for (Map.Entry<Long, long[]> e : delta.entrySet()) {
                long d = e.getValue()[0];
                if (d == 0) continue;
                long[] cur = pairCount.computeIfAbsent(e.getKey(), k -> new long[1]);
                cur[0] += d;
                if (cur[0] > 0) heap.add(new Cand(e.getKey(), cur[0]));
                else pairCount.remove(e.getKey());
            }
            pairCount.remove(best.pair);
            m++;
        }
        return BpeTokenizer.fromMerges(Arrays.copyOf(left, m), Arrays.copyOf(right, m), Arrays.copyOf(tokenBytes, 256 + m));
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }
}
