package dev.nabla.cli.bench;

import dev.nabla.autograd.NoGrad;
import dev.nabla.data.Batch;
import dev.nabla.nn.Module;
import dev.nabla.nn.layers.Embedding;
import dev.nabla.nn.layers.LSTM;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.nn.models.GPT;
import dev.nabla.nn.models.GPTConfig;
import dev.nabla.ops.Functional;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.Optimizer;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.StoragePool;
import dev.nabla.tensor.Tensor;
import dev.nabla.text.Corpora;
import dev.nabla.text.RandomWindows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The `gpt` and `lstm` reference workloads: byte-level language models on the common-licenses corpus,
 * batches of random windows, a fixed number of optimizer steps. A step's time covers sampling, forward,
 * backward and the optimizer step; tokens/s is the median over the steps after the warm-up.
 */
final class LanguageModels {
    private LanguageModels() {}

    static Map<String, Object> gpt(BenchOptions o) {
        Generator g = new Generator(o.seed());
        GPT model = new GPT(new GPTConfig(256, 128, 4, 4, 128, 0.0, true, false), g);
        AdamW.Options opts = new AdamW.Options(3e-4, 0.9, 0.999, 1e-8, 0.01, false, false);
        Map<String, Object> r = run("gpt", model, new AdamW(model.parameters(), opts), 128, o, model::loss);
        r.put("model", "vocab256 ctx128 d128 heads4 layers4 mlp512 GELU(erf) preLN learned-pos untied-head, no dropout");
        r.put("optimizer", "AdamW lr3e-4 wd0.01 (all params) betas(0.9,0.999) eps1e-8");
        return r;
    }

    static Map<String, Object> lstm(BenchOptions o) {
        Generator g = new Generator(o.seed());
        Module model = new Sequential(new Embedding(256, 64, g), new LSTM(64, 256, 1, true, true, 0f, false, g), new Linear(256, 256, g));
        Map<String, Object> r = run("lstm", model, new Adam(model.parameters(), 1e-3), 64, o, (x, y) -> {
            Tensor logits = model.forward(x);
            return Functional.crossEntropy(logits.reshape(x.numel(), 256), y.reshape(x.numel()));
        });
        r.put("model", "Embedding(256,64) LSTM(64->256,1 layer) Linear(256,256)");
        r.put("optimizer", "Adam lr1e-3");
        return r;
    }

    interface LossFn {
        Tensor loss(Tensor x, Tensor y);
    }

    private static Map<String, Object> run(String name, Module model, Optimizer<?, ?> opt, int seq, BenchOptions o, LossFn lossFn) {
        byte[] text;
        try {
            text = o.text() != null ? Corpora.read(o.text()) : Corpora.commonLicenses();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        int steps = o.steps() == null ? 200 : o.steps();
        int warmup = Math.min(o.warmup(), Math.max(0, steps - 1));
        RandomWindows windows = RandomWindows.ofBytes(text, seq, 32, new Generator(o.seed() + 1)); // bytes, as PyTorch's script keeps them
        double[] tokensPerS = new double[steps];
        double lastSum = 0;
        int lastCount = 0;
        float loss0 = Float.NaN;
        model.train();
        StoragePool storage = new StoragePool(); // each step runs in the arrays the one before gave back
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            Batch b = windows.next();
            float lv;
            try (StoragePool.Step step = storage.step()) {
                opt.zeroGrad();
                Tensor loss = lossFn.loss(b.x(), b.y());
                loss.backward();
                opt.step();
                lv = loss.item();
                model.keepIn(step);
            }
            tokensPerS[s] = b.x().numel() / ((System.nanoTime() - t0) / 1e9);
            if (s == 0) loss0 = lv;
            if (s >= steps - 20) { lastSum += lv; lastCount++; }
            if (s % 20 == 0 || s == steps - 1)
                System.err.printf("%s step %d: loss %.4f, %.0f tokens/s%n", name, s, lv, tokensPerS[s]);
        }
        float lossAfter;
        try (var ignored = NoGrad.enter()) {
            model.eval();
            Batch fresh = windows.next();
            lossAfter = lossFn.loss(fresh.x(), fresh.y()).item();
        }
        double[] timed = java.util.Arrays.copyOfRange(tokensPerS, warmup, steps);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("steps", steps);
        r.put("warmup", warmup);
        r.put("batch", 32);
        r.put("seq", seq);
        r.put("params", model.numParameters());
        r.put("text_bytes", text.length);
        r.put("text_sha256", sha256(text));
        r.put("tokens_per_s", Workloads.median(timed));
        r.put("loss_step0", (double) loss0);
        r.put("loss_step" + steps, (double) lossAfter);
        r.put("loss_last20_train_mean", lastSum / lastCount);
        return r;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
