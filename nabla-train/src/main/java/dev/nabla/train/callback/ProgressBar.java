package dev.nabla.train.callback;

import dev.nabla.train.Callback;
import dev.nabla.train.TrainContext;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Keras-style progress: on a terminal, a bar redrawn in place (loss, samples/s, ETA) and the epoch's
 * figures when it ends; elsewhere (a log file, CI), one plain line per epoch.
 */
public final class ProgressBar implements Callback {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000;

    private final PrintStream out;
    private final boolean interactive;
    private long epochStart, lastDraw, seen;
    private double lossSum;

    public ProgressBar(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** To standard output, drawing a bar only when it is a terminal. */
    public static ProgressBar toStdout() {
        var console = System.console();
        return new ProgressBar(System.out, console != null && console.isTerminal());
    }

    @Override
    public void onEpochBegin(TrainContext ctx, int epoch) {
        epochStart = lastDraw = System.nanoTime();
        seen = 0;
        lossSum = 0;
    }

    @Override
    public void onBatchEnd(TrainContext ctx, int epoch, int batch, double loss, int batchSize) {
        seen += batchSize;
        lossSum += loss * batchSize;
        if (!interactive) return;
        long now = System.nanoTime();
        int total = ctx.batchesPerEpoch();
        if (now - lastDraw < REDRAW_NANOS && batch + 1 < total) return;
        lastDraw = now;
        double secs = (now - epochStart) / 1e9;
        int done = batch + 1;
        int filled = (int) ((long) WIDTH * done / Math.max(total, 1));
        String bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 && done < total ? ">" : (filled > 0 ? "=" : ""))
                + " ".repeat(WIDTH - filled);
        double eta = done < total ? secs / done * (total - done) : 0;
        out.printf(Locale.ROOT, "\rEpoch %d/%d %d/%d [%s] loss %.4f  %,.0f samples/s  ETA %s   ",
                epoch, ctx.epochs(), done, total, bar, lossSum / seen, seen / secs, clock(eta));
        out.flush();
    }

    @Override
    public void onEpochEnd(TrainContext ctx, int epoch, Map<String, Double> logs) {
        StringBuilder b = new StringBuilder();
        if (interactive) b.append('\r');
        b.append(String.format(Locale.ROOT, "Epoch %d/%d", epoch, ctx.epochs()));
        for (var e : logs.entrySet()) {
            String k = e.getKey();
            if (k.equals("epoch") || k.equals("steps")) continue;
            double v = e.getValue();
            if (k.equals("samples_per_s")) b.append(String.format(Locale.ROOT, "  %,.0f samples/s", v));
            else if (k.equals("lr")) b.append("  lr ").append(rate(v));
            else b.append(String.format(Locale.ROOT, "  %s %.4f", k, v));
        }
        b.append(String.format(Locale.ROOT, "  (%s)", clock((System.nanoTime() - epochStart) / 1e9)));
        if (interactive) b.append("          ");
        out.println(b);
    }

    /** A learning rate in three significant digits; an annealed-away rate reads 0, not 0.00. */
    static String rate(double lr) {
        return lr == 0 ? "0" : String.format(Locale.ROOT, "%.3g", lr);
    }

    @Override
    public void onTrainEnd(TrainContext ctx) {
        if (ctx.stopReason() != null) out.println(ctx.stopReason());
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
