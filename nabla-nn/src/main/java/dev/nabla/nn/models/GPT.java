package dev.nabla.nn.models;

import dev.nabla.autograd.NoGrad;
import dev.nabla.nn.Module;
import dev.nabla.nn.init.Init;
import dev.nabla.nn.internal.AttentionKernel;
import dev.nabla.nn.internal.FusedLayerNorm;
import dev.nabla.nn.internal.Operand;
import dev.nabla.nn.layers.Attention;
import dev.nabla.nn.layers.Dropout;
import dev.nabla.nn.layers.Embedding;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.ops.Functional;
import dev.nabla.ops.FusedLinear;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.Arrays;

/**
 * A GPT language model in nanoGPT's layout and state-dict names: {@code transformer.wte} (token Embedding),
 * {@code transformer.wpe} (position Embedding), {@code transformer.h.{i}} blocks of
 * {@code ln_1 → attn (c_attn: Linear n_embd→3·n_embd, causal self-attention, c_proj) → + residual,
 * ln_2 → mlp (c_fc → GELU → c_proj) → + residual} (pre-LayerNorm), {@code transformer.ln_f} and {@code lm_head}
 * (Linear n_embd→vocab, no bias). All Linear weights are [out, in]. nanoGPT's causal-mask buffer
 * {@code attn.bias} does not exist here (attention is causal by construction).
 *
 * <p>Initialisation (from the explicit Generator, as nanoGPT): Linear and Embedding weights N(0, 0.02), both
 * {@code c_proj} weights N(0, 0.02/√(2·n_layer)), biases 0, LayerNorm weight 1 / bias 0. With
 * {@link GPTConfig#tieWeights()} (the default, as nanoGPT) {@code lm_head.weight} is the same tensor as
 * {@code transformer.wte.weight}: the state dict lists both keys, {@link #namedParameters()} the first only.
 * Dropout (embeddings, attention weights, residual branches) is active in training mode and draws from the same
 * Generator.
 */
public final class GPT extends Module {
    private final GPTConfig config;
    private final Transformer transformer;
    private final Head lmHead;

    public GPT(GPTConfig config, Generator gen) {
        if (config == null) throw new IllegalArgumentException("GPT: config must not be null");
        if (gen == null) throw new IllegalArgumentException("GPT: a Generator is needed to initialise the parameters");
        this.config = config;
        this.transformer = registerModule("transformer", new Transformer(config, gen));
        this.lmHead = registerModule("lm_head", new Head(config.tieWeights() ? transformer.wte.weight()
                : Tensor.zeros(config.vocabSize(), config.nEmbd())));
        double std = 0.02, projStd = 0.02 / Math.sqrt(2.0 * config.nLayer());
        for (var e : namedModules().entrySet()) {
            if (e.getValue() instanceof Linear lin) {
                Init.normal_(lin.weight(), 0, e.getKey().endsWith("c_proj") ? projStd : std, gen);
                if (lin.bias() != null) Init.zeros_(lin.bias());
            } else if (e.getValue() instanceof Embedding emb) {
                Init.normal_(emb.weight(), 0, std, gen);
            } else if (e.getValue() instanceof Head head && !config.tieWeights()) {
                Init.normal_(head.weight(), 0, std, gen);
            }
        }
    }

    public GPTConfig config() { return config; }

    /** idx int64 [B, T] (T ≤ block_size) → logits [B, T, vocab_size]. */
    @Override
    public Tensor forward(Tensor idx) {
        return lmHead.forward(transformer.forward(idx));
    }

    /** Mean cross-entropy of the logits for idx [B, T] against the next tokens {@code targets} int64 [B, T]. */
    public Tensor loss(Tensor idx, Tensor targets) {
        if (targets == null || targets.dtype() != DType.INT64 || !Arrays.equals(targets.shape(), idx.shape()))
            throw new IllegalArgumentException("GPT.loss: targets must be int64 of the same shape as idx "
                    + Shape.str(idx.shape()) + ", got " + (targets == null ? "null"
                    : targets.dtype() + " " + Shape.str(targets.shape())));
        Tensor logits = forward(idx);
        int rows = idx.numel();
        return Functional.crossEntropy(logits.reshape(rows, config.vocabSize()), targets.reshape(rows));
    }

    // ---------------------------------------------------------------- incremental decoding

    /** An empty key/value cache for {@code batch} sequences, for {@link #forwardCached}. */
    public KVCache newCache(int batch) {
        return new KVCache(batch, config.nLayer(), config.blockSize(), config.nEmbd());
    }

    /**
     * The logits of a chunk of new tokens {@code idx} int64 [B, T] that continue the sequences whose keys and values
     * {@code cache} holds: token i of the chunk sits at position {@code cache.length() + i} and attends to every
     * cached position and to the chunk's tokens up to itself. Returns [B, T, vocab_size] (equal to the matching rows of
     * {@link #forward} on the whole sequence) and appends the chunk's keys and values to the cache. Each call costs
     * O(T·(cached + T)) in attention instead of a re-run of the whole context.
     *
     * <p>Inference only: no gradient is recorded and no dropout is applied, whatever the training mode. The cache holds
     * at most block_size positions; when a sequence grows past it, {@link KVCache#reset()} the cache and feed the last
     * block_size tokens again (nanoGPT's cropping; {@code dev.nabla.nn.generate.Generation} does this).
     */
    public Tensor forwardCached(Tensor idx, KVCache cache) {
        if (cache == null) throw new IllegalArgumentException("GPT.forwardCached: cache is null (make one with newCache(batch))");
        if (cache.layers() != config.nLayer() || cache.capacity() != config.blockSize() || cache.width() != config.nEmbd())
            throw new IllegalArgumentException("GPT.forwardCached: the cache was made for another model (" + cache.layers()
                    + " layers, block_size " + cache.capacity() + ", n_embd " + cache.width() + "; this one has "
                    + config.nLayer() + ", " + config.blockSize() + ", " + config.nEmbd() + ")");
        if (idx == null || idx.dtype() != DType.INT64 || idx.rank() != 2 || idx.size(0) != cache.batch() || idx.size(1) == 0)
            throw new IllegalArgumentException("GPT.forwardCached: expected int64 token indices of shape [" + cache.batch()
                    + ", T] with T >= 1 (the cache's batch), got " + (idx == null ? "null" : idx.dtype() + " " + Shape.str(idx.shape())));
        int t = idx.size(1), p0 = cache.length();
        if (p0 + t > config.blockSize())
            throw new IllegalArgumentException("GPT.forwardCached: " + t + " new tokens after " + p0 + " cached positions exceed "
                    + "block_size " + config.blockSize() + "; reset the cache and feed the last " + config.blockSize()
                    + " tokens (input " + Shape.str(idx.shape()) + ")");
        try (var ignored = NoGrad.enter()) {
            Tensor x = transformer.wte.forward(idx).add(transformer.wpe.weight().narrow(0, p0, t));
            int layer = 0;
            for (Module m : transformer.h.children()) x = ((Block) m).forwardCached(x, cache, layer++, p0);
            x = transformer.lnF.forward(x);
            cache.advance(t);
            return lmHead.forward(x);
        }
    }

    /** The {@code transformer} container: wte, wpe, drop, h (the blocks), ln_f; forward gives the final hidden states. */
    public static final class Transformer extends Module {
        private final GPTConfig config;
        private final Embedding wte, wpe;
        private final Dropout drop;
        private final Sequential h;
        private final LayerNorm lnF;

        Transformer(GPTConfig c, Generator gen) {
            this.config = c;
            this.wte = registerModule("wte", new Embedding(c.vocabSize(), c.nEmbd(), gen));
            this.wpe = registerModule("wpe", new Embedding(c.blockSize(), c.nEmbd(), gen));
            this.drop = registerModule("drop", new Dropout((float) c.dropout(), gen));
            this.h = registerModule("h", new Sequential());
            for (int i = 0; i < c.nLayer(); i++) h.add(new Block(c, gen));
            this.lnF = registerModule("ln_f", new LayerNorm(c.nEmbd(), c.bias()));
        }

        @Override
        public Tensor forward(Tensor idx) {
            if (idx == null || idx.dtype() != DType.INT64 || idx.rank() != 2)
                throw new IllegalArgumentException("GPT: expected int64 token indices of shape [B, T], got "
                        + (idx == null ? "null" : idx.dtype() + " " + Shape.str(idx.shape())));
            int t = idx.size(1);
            if (t > config.blockSize())
                throw new IllegalArgumentException("GPT: cannot forward a sequence of length " + t + ", block_size is only "
                        + config.blockSize() + " (input " + Shape.str(idx.shape()) + ")");
            if (t == 0) throw new IllegalArgumentException("GPT: empty sequence (input " + Shape.str(idx.shape()) + ")");
            Tensor x = wte.forward(idx).add(wpe.weight().narrow(0, 0, t));
            x = h.forward(drop.forward(x));
            return lnF.forward(x);
        }
    }

    /** One pre-LayerNorm block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
    public static final class Block extends Module {
        private final LayerNorm ln1, ln2;
        private final CausalSelfAttention attn;
        private final MLP mlp;

        Block(GPTConfig c, Generator gen) {
            this.ln1 = registerModule("ln_1", new LayerNorm(c.nEmbd(), c.bias()));
            this.attn = registerModule("attn", new CausalSelfAttention(c, gen));
            this.ln2 = registerModule("ln_2", new LayerNorm(c.nEmbd(), c.bias()));
            this.mlp = registerModule("mlp", new MLP(c, gen));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = x.add(attn.forward(ln1.forward(x)));
            return x.add(mlp.forward(ln2.forward(x)));
        }

        /** {@link #forward} for a chunk at positions p0.. against the cached keys and values, without dropout. */
        Tensor forwardCached(Tensor x, KVCache cache, int layer, int p0) {
            x = x.add(attn.forwardCached(ln1.forward(x), cache, layer, p0));
            return x.add(mlp.cProj.forward(mlp.cFc.forward(ln2.forward(x), FusedLinear.Activation.GELU)));
        }
    }

    /** c_attn (n_embd → 3·n_embd, q|k|v), fused causal attention with attention dropout, c_proj, residual dropout. */
    public static final class CausalSelfAttention extends Module {
        private final int nHead;
        private final float dropout;
        private final Linear cAttn, cProj;
        private final Dropout residDropout;
        private final Generator gen;

        CausalSelfAttention(GPTConfig c, Generator gen) {
            this.nHead = c.nHead();
            this.dropout = (float) c.dropout();
            this.gen = gen;
            this.cAttn = registerModule("c_attn", new Linear(c.nEmbd(), 3 * c.nEmbd(), c.bias(), gen));
            this.cProj = registerModule("c_proj", new Linear(c.nEmbd(), c.nEmbd(), c.bias(), gen));
            this.residDropout = registerModule("resid_dropout", new Dropout(dropout, gen));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor y = Attention.packedSelfAttention(cAttn.forward(x), nHead, null, null, true,
                    isTraining() ? dropout : 0, gen);
            return residDropout.forward(cProj.forward(y));
        }

        /**
         * Appends the chunk's keys and values (rows of c_attn(x) [B, T, 3E]) at positions p0.. of the layer's cache,
         * then attends each query i of the chunk to the cached positions 0 .. p0+i with the fused kernel.
         */
        Tensor forwardCached(Tensor x, KVCache cache, int layer, int p0) {
            Tensor qkv = cAttn.forward(x).contiguous();
            int b = qkv.size(0), t = qkv.size(1), e = qkv.size(2) / 3, d = e / nHead, s = p0 + t, cap = cache.capacity();
            float[] src = qkv.data(), keys = cache.keys(layer), values = cache.values(layer);
            int base = qkv.offset();
            for (int n = 0; n < b; n++)
                for (int i = 0; i < t; i++) {
                    int row = base + (n * t + i) * 3 * e, dst = (n * cap + p0 + i) * e;
                    System.arraycopy(src, row + e, keys, dst, e);
                    System.arraycopy(src, row + 2 * e, values, dst, e);
                }
            // the chunk's first query is at position p0: with nothing cached that is the ordinary (top-left) causal
            // mask; a single query sees everything; otherwise key j is hidden from query i when j > p0 + i
            AttentionKernel.Masks masks = AttentionKernel.Masks.NONE;
            if (p0 > 0 && t > 1) {
                float[] mask = new float[t * s];
                for (int i = 0; i < t; i++)
                    java.util.Arrays.fill(mask, i * s + p0 + i + 1, (i + 1) * s, Float.NEGATIVE_INFINITY);
                masks = new AttentionKernel.Masks(mask, false, null);
            }
            AttentionKernel.Dims dm = new AttentionKernel.Dims(b, nHead, t, s, d, d, (float) (1 / Math.sqrt(d)), p0 == 0);
            float[] out = new float[b * t * e];
            AttentionKernel.forward(dm, new Operand(src, base, t * 3 * e, d, 3 * e, 1), new Operand(keys, 0, cap * e, d, e, 1),
                    new Operand(values, 0, cap * e, d, e, 1), new Operand(out, 0, t * e, d, e, 1), masks, null, null, 1f);
            return cProj.forward(Tensor.of(out, b, t, e));
        }
    }

    /** c_fc (n_embd → 4·n_embd), exact GELU, c_proj, dropout. */
    public static final class MLP extends Module {
        private final Linear cFc, cProj;
        private final Dropout dropout;

        MLP(GPTConfig c, Generator gen) {
            this.cFc = registerModule("c_fc", new Linear(c.nEmbd(), 4 * c.nEmbd(), c.bias(), gen));
            this.cProj = registerModule("c_proj", new Linear(4 * c.nEmbd(), c.nEmbd(), c.bias(), gen));
            this.dropout = registerModule("dropout", new Dropout((float) c.dropout(), gen));
        }

        @Override
        public Tensor forward(Tensor x) {
            // c_fc and its GELU as one op: the bias gradient is summed in GELU's backward pass
            return dropout.forward(cProj.forward(cFc.forward(x, FusedLinear.Activation.GELU)));
        }
    }

    /**
     * nanoGPT's LayerNorm: weight (ones) and an optional bias (zeros), eps 1e-5, over the last dim; one fused op
     * ({@link FusedLayerNorm}).
     */
    public static final class LayerNorm extends Module {
        private final int dim;
        private final Tensor weight, bias;

        LayerNorm(int dim, boolean bias) {
            this.dim = dim;
            this.weight = registerParameter("weight", Tensor.ones(dim));
            this.bias = registerParameter("bias", bias ? Tensor.zeros(dim) : null);
        }

        @Override
        public Tensor forward(Tensor x) {
            if (x.rank() == 0 || x.size(-1) != dim)
                throw new IllegalArgumentException("LayerNorm: expected input of shape [*, " + dim + "], got "
                        + Shape.str(x.shape()));
            return FusedLayerNorm.layerNorm(x, weight, bias, 1e-5f);
        }

        @Override
        protected String extraRepr() {
            return "(" + dim + ",), eps=1e-05, bias=" + py(bias != null);
        }
    }

    /**
     * The output head: a bias-free linear map with weight [vocab_size, n_embd], either its own or the token
     * embedding's table (tied). Printed as the Linear it is.
     */
    public static final class Head extends Module {
        private final Tensor weight;

        Head(Tensor weight) {
            this.weight = registerParameter("weight", weight);
        }

        public Tensor weight() { return weight; }

        @Override
        public Tensor forward(Tensor x) {
            return Functional.linear(x, weight, null);
        }

        @Override
        public String name() { return "Linear"; }

        @Override
        protected String extraRepr() {
            return "in_features=" + weight.size(1) + ", out_features=" + weight.size(0) + ", bias=False";
        }
    }
}
