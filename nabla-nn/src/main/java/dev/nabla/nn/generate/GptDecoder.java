package dev.nabla.nn.generate;

import dev.nabla.nn.models.GPT;
import dev.nabla.nn.models.KVCache;
import dev.nabla.tensor.Tensor;

/**
 * A {@link GPT} decoded through its key/value cache: a step costs one token's pass (attention over the cached
 * positions) instead of a re-run of the context. Up to block_size tokens the logits equal those of a full forward on
 * the whole sequence; past it the context is cropped as nanoGPT does: the cache is emptied and the last block_size
 * tokens are fed again (so each step then costs a block-sized pass, exactly nanoGPT's {@code idx[:, -block_size:]}).
 */
public final class GptDecoder implements Decoder {
    private final GPT gpt;
    private final int blockSize;
    private KVCache cache;
    private long[][] history; // per sequence, the tokens so far (grown by doubling)
    private int length;

    public GptDecoder(GPT gpt) {
        if (gpt == null) throw new IllegalArgumentException("GptDecoder: gpt is null");
        this.gpt = gpt;
        this.blockSize = gpt.config().blockSize();
    }

    /** The cache (null before the first prefill). */
    public KVCache cache() { return cache; }

    @Override
    public Tensor prefill(Tensor prompt) {
        int b = Steps.checkPrompt("GptDecoder", prompt), t = prompt.size(1);
        if (cache == null || cache.batch() != b) cache = gpt.newCache(b);
        long[] ids = prompt.contiguous().toLongArray();
        history = new long[b][Math.max(16, 2 * t)];
        for (int n = 0; n < b; n++) System.arraycopy(ids, n * t, history[n], 0, t);
        length = t;
        return refill();
    }

    @Override
    public Tensor step(Tensor tokens) {
        if (cache == null) throw new IllegalStateException("GptDecoder: call prefill before step");
        long[] next = Steps.checkStep("GptDecoder", tokens, cache.batch());
        for (int n = 0; n < next.length; n++) {
            if (length == history[n].length) history[n] = java.util.Arrays.copyOf(history[n], 2 * length);
            history[n][length] = next[n];
        }
        length++;
        if (cache.remaining() == 0) return refill();
        return Steps.last(gpt.forwardCached(Tensor.ofLongs(next, next.length, 1), cache));
    }

    /** Empties the cache and feeds the last min(length, block_size) tokens. */
    private Tensor refill() {
        int b = cache.batch(), t = Math.min(length, blockSize), from = length - t;
        long[] window = new long[b * t];
        for (int n = 0; n < b; n++) System.arraycopy(history[n], from, window, n * t, t);
        cache.reset();
        return Steps.last(gpt.forwardCached(Tensor.ofLongs(window, b, t), cache));
    }
}
