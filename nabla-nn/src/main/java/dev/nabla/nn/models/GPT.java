package dev.nabla.nn.models;

import dev.nabla.nn.Module;
import dev.nabla.nn.init.Init;
import dev.nabla.nn.internal.FusedLayerNorm;
import dev.nabla.nn.layers.Attention;
import dev.nabla.nn.layers.Dropout;
import dev.nabla.nn.layers.Embedding;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.ops.Functional;
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
            return dropout.forward(cProj.forward(cFc.forward(x).gelu()));
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
