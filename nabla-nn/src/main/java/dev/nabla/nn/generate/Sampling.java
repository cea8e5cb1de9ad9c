package dev.nabla.nn.generate;

import dev.nabla.tensor.Generator;

import java.util.Arrays;

/**
 * How the next token is drawn from a row of logits. The steps follow nanoGPT and Hugging Face's samplers:
 * <ol>
 *   <li>{@code temperature} 0 is greedy decoding: the arg-max (the lowest id among equal maxima); otherwise the
 *       logits are divided by the temperature (below 1 sharpens, above 1 flattens the distribution);</li>
 *   <li>{@code topK} &gt; 0 keeps the k largest logits (exactly k: equal logits are ranked by id, lower first, so
 *       {@code topK = 1} is greedy); 0 keeps all;</li>
 *   <li>{@code topP} &lt; 1 (nucleus sampling) keeps, of what is left, the smallest set of the most probable tokens whose
 *       probabilities (renormalised over the kept tokens) add up to at least p; 1 keeps all;</li>
 *   <li>a token is drawn from the softmax over the kept tokens with one {@link Generator#nextDouble()}, so a seed gives
 *       the same tokens every time.</li>
 * </ol>
 */
public record Sampling(double temperature, int topK, double topP) {
    public Sampling {
        if (!(temperature >= 0) || Double.isInfinite(temperature))
            throw new IllegalArgumentException("sampling: temperature must be a finite number >= 0 (0 = greedy), got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("sampling: top_k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("sampling: top_p must be in (0, 1] (1 = off), got " + topP);
    }

    /** Always the most likely token. */
    public static Sampling greedy() {
        return new Sampling(0, 0, 1);
    }

    /** Plain sampling from softmax(logits / temperature). */
    public static Sampling temperature(double temperature) {
        return new Sampling(temperature, 0, 1);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    /** The token drawn from {@code logits[offset .. offset+vocab)} ({@code gen} is not used when greedy). */
    public int sample(float[] logits, int offset, int vocab, Generator gen) {
        if (vocab < 1) throw new IllegalArgumentException("sampling: empty vocabulary");
        for (int i = 0; i < vocab; i++)
            if (Float.isNaN(logits[offset + i]))
                throw new IllegalArgumentException("sampling: logit " + i + " is NaN (the model's output is not finite)");
        if (isGreedy()) return argmax(logits, offset, vocab);
        if (gen == null) throw new IllegalArgumentException("sampling: a Generator is needed when temperature > 0");
        double[] p = probabilities(logits, offset, vocab);
        double u = gen.nextDouble(), sum = 0;
        for (double v : p) sum += v;
        double target = u * sum, acc = 0;
        int last = -1;
        for (int i = 0; i < vocab; i++) {
            if (p[i] == 0) continue;
            acc += p[i];
            last = i;
            if (acc > target) return i;
        }
        return last; // rounding: u·sum was at the very top
    }

    /**
     * The distribution {@link #sample} draws from (not normalised to exactly 1 when filtered: the kept tokens' softmax
     * probabilities, renormalised over them; 0 for the dropped ones). Greedy gives 1 at the arg-max.
     */
    public double[] probabilities(float[] logits, int offset, int vocab) {
        double[] p = new double[vocab];
        if (isGreedy()) {
            p[argmax(logits, offset, vocab)] = 1;
            return p;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i] / temperature);
        if (max == Double.NEGATIVE_INFINITY)
            throw new IllegalArgumentException("sampling: every logit is -inf");
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp(logits[offset + i] / temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < vocab; i++) p[i] /= sum;
        int keep = topK > 0 ? Math.min(topK, vocab) : vocab;
        if (keep == vocab && topP >= 1) return p;
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) order[i] = i;
        // descending logit, then ascending id (ties of the scaled logit are ties of p as well)
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(logits[offset + b], logits[offset + a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        double kept = 0;
        for (int r = 0; r < keep; r++) kept += p[order[r]];
        if (topP < 1) {
            double acc = 0;
            int r = 0;
            while (r < keep) {
                acc += p[order[r]] / kept;
                r++;
                if (acc >= topP) break;
            }
            keep = r;
            kept = 0;
            for (int i = 0; i < keep; i++) kept += p[order[i]];
        }
        double[] out = new double[vocab];
        for (int r = 0; r < keep; r++) out[order[r]] = p[order[r]] / kept;
        return out;
    }

    /** The index of the largest value (the first of equal maxima), as {@code torch.argmax}. */
    public static int argmax(float[] v, int offset, int n) {
        int best = 0;
        float max = v[offset];
        for (int i = 1; i < n; i++)
            if (v[offset + i] > max) {
                max = v[offset + i];
                best = i;
            }
        return best;
    }
}
