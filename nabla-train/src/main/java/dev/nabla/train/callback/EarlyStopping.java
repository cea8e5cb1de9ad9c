package dev.nabla.train.callback;

import dev.nabla.autograd.NoGrad;
import dev.nabla.tensor.Tensor;
import dev.nabla.train.Callback;
import dev.nabla.train.TrainContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stops training when {@code monitor} has not improved by more than {@code minDelta} for {@code patience}
 * epochs (Keras's EarlyStopping: with patience 2, the second epoch in a row without improvement is the last).
 * Losses and errors must fall, other figures rise. With {@code restoreBestWeights}, the model ends with the
 * weights of its best epoch.
 *
 * <p>Its state is a function of the monitored history, so a resumed run (whose restored history holds the epochs
 * before the checkpoint) picks up the same best value and the same count of epochs without improvement, and
 * stops at the same epoch as an uninterrupted run.
 */
public final class EarlyStopping implements Callback {
    private final String monitor;
    private final int patience;
    private final double minDelta;
    private final boolean restoreBestWeights;
    private final boolean lowerIsBetter;
    private double best;
    private int bestEpoch;
    private int wait;
    private Map<String, Tensor> bestWeights;
    private int resumedAfter;

    public EarlyStopping(String monitor, int patience, double minDelta, boolean restoreBestWeights) {
        if (patience < 0) throw new IllegalArgumentException("early_stopping: patience must be >= 0, got " + patience);
        if (minDelta < 0) throw new IllegalArgumentException("early_stopping: min_delta must be >= 0, got " + minDelta);
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = minDelta;
        this.restoreBestWeights = restoreBestWeights;
        String m = monitor.toLowerCase(java.util.Locale.ROOT);
        this.lowerIsBetter = m.contains("loss") || m.endsWith("mse") || m.endsWith("mae") || m.contains("error");
    }

    @Override
    public void onTrainBegin(TrainContext ctx) {
        best = lowerIsBetter ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        wait = 0;
        bestWeights = null;
        bestEpoch = 0;
        resumedAfter = 0;
        // A resumed run: replay the restored epochs. The model now holds the last of them, so if that one is the
        // best, its weights are at hand; an earlier best's weights were not kept in the checkpoint.
        int epoch = 0;
        for (Map<String, Double> logs : ctx.logs()) {
            epoch++;
            Double v = logs.get(monitor);
            if (v != null) observe(v, epoch);
        }
        resumedAfter = epoch;
        if (restoreBestWeights && bestEpoch > 0 && bestEpoch == epoch) bestWeights = copy(ctx.model().stateDict());
    }

    @Override
    public void onEpochEnd(TrainContext ctx, int epoch, Map<String, Double> logs) {
        Double v = logs.get(monitor);
        if (v == null)
            throw new IllegalStateException("early_stopping: monitors '" + monitor + "', but the epoch logs have only "
                    + logs.keySet() + (monitor.startsWith("val_") ? " (is there validation data?)" : ""));
        if (observe(v, epoch)) {
            if (restoreBestWeights) bestWeights = copy(ctx.model().stateDict());
        } else if (wait >= patience) {
            String restored = !restoreBestWeights ? ""
                    : bestWeights != null ? "; restored the weights of epoch " + bestEpoch
                    : "; the weights of epoch " + bestEpoch + " predate the resume (epoch " + resumedAfter
                            + ") and were not kept, so the model keeps its last weights";
            ctx.stopTraining(String.format(java.util.Locale.ROOT,
                    "early stopping: %s did not improve on %.6g (epoch %d) for %d epochs%s", monitor, best, bestEpoch, wait,
                    restored));
            if (bestWeights != null) ctx.model().loadStateDict(bestWeights, true);
        }
    }

    /** Takes one epoch's value; true when it is an improvement (then the wait starts again). */
    private boolean observe(double v, int epoch) {
        boolean improved = lowerIsBetter ? v < best - minDelta : v > best + minDelta;
        if (improved) {
            best = v;
            bestEpoch = epoch;
            wait = 0;
        } else {
            wait++;
        }
        return improved;
    }

    /** Epochs without improvement so far. */
    public int waited() { return wait; }

    /** The best value seen and its epoch (0 before any). */
    public double best() { return best; }

    public int bestEpoch() { return bestEpoch; }

    private static Map<String, Tensor> copy(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var ignored = NoGrad.enter()) {
            state.forEach((k, t) -> out.put(k, t.clone()));
        }
        return out;
    }
}
