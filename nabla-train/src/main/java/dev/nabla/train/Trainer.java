package dev.nabla.train;

import dev.nabla.autograd.NoGrad;
import dev.nabla.data.Batch;
import dev.nabla.data.DataLoader;
import dev.nabla.metrics.Metric;
import dev.nabla.nn.Module;
import dev.nabla.nn.layers.Dropout;
import dev.nabla.nn.loss.Loss;
import dev.nabla.optim.Clipping;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.schedule.LRSchedule;
import dev.nabla.optim.schedule.LRScheduler;
import dev.nabla.optim.schedule.ReduceLROnPlateau;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.StoragePool;
import dev.nabla.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Keras-style {@code fit} / {@code evaluate} / {@code predict} over a model, a loss and an optimizer.
 *
 * <p>{@link #fit} is one loop a reader can follow top to bottom: for each epoch, for each batch: zero the
 * gradients, forward, loss, backward, optional clipping, optimizer step; then validation, the schedule,
 * and the epoch's logs. Everything optional is a {@link Callback}. A custom loop uses the same pieces.
 */
public final class Trainer {
    private final Module model;
    private final Loss loss;
    private final Optimizer<?, ?> optimizer;
    private final List<Supplier<? extends Metric>> metrics = new ArrayList<>();
    private LRSchedule schedule;
    private String plateauMonitor = "val_loss";
    private ScheduleInterval scheduleInterval = ScheduleInterval.EPOCH;
    private Double clipGradNorm, clipGradValue;
    private Long maxSteps;
    private final Generator generator;
    /** Each step's activations are made in the arrays the step before gave back (see {@link StoragePool}). */
    private final StoragePool storage = new StoragePool();
    private boolean recycleStorage = true;

    /**
     * @param seed seeds the generator that dropout (and any other random layer without its own generator)
     *             draws from; its state is saved in checkpoints
     */
    public Trainer(Module model, Loss loss, Optimizer<?, ?> optimizer, long seed) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.generator = new Generator(seed);
        model.apply(m -> {
            if (m instanceof Dropout d && d.generator() == null) d.setGenerator(generator);
        });
    }

    /** Metrics computed on the training batches and, with a {@code val_} prefix, on validation data. */
    @SafeVarargs
    public final Trainer withMetrics(Supplier<? extends Metric>... factories) {
        metrics.addAll(List.of(factories));
        return this;
    }

    /**
     * An LR schedule stepped once per epoch after validation; a {@link ReduceLROnPlateau} is stepped with
     * the epoch's {@code monitor} figure (val_loss by default, loss when there is no validation data).
     */
    public Trainer withSchedule(LRSchedule schedule, String monitor) {
        this.schedule = schedule;
        this.plateauMonitor = monitor;
        return this;
    }

    public Trainer withSchedule(LRSchedule schedule) {
        return withSchedule(schedule, "val_loss");
    }

    /** When the schedule steps: once per epoch (Keras's and PyTorch's usual loop), or after every optimizer step. */
    public enum ScheduleInterval { EPOCH, STEP }

    /**
     * Steps the schedule after every optimizer step rather than once per epoch (PyTorch Lightning's
     * {@code interval="step"}): its counts (step_size, T_max, milestones, a warm-up's length) are then optimizer
     * steps, as a transformer's warm-up usually is. ReduceLROnPlateau watches an epoch figure and cannot.
     */
    public Trainer withScheduleInterval(ScheduleInterval interval) {
        this.scheduleInterval = java.util.Objects.requireNonNull(interval, "interval");
        return this;
    }

    /** Clips the gradients' total 2-norm to {@code maxNorm} before each step (null: off). */
    public Trainer withClipGradNorm(Double maxNorm) {
        this.clipGradNorm = maxNorm;
        return this;
    }

    /** Clips each gradient element to [-v, v] before each step (null: off). */
    public Trainer withClipGradValue(Double value) {
        this.clipGradValue = value;
        return this;
    }

    /** Stops after this many optimizer steps in all (null: no limit). */
    public Trainer withMaxSteps(Long steps) {
        if (steps != null && steps < 1) throw new IllegalArgumentException("max_steps must be at least 1, got " + steps);
        this.maxSteps = steps;
        return this;
    }

    /**
     * Whether each step runs in the arrays the step before gave back (the default; see {@link StoragePool}). Turn
     * it off when a callback keeps tensors a step made (an activation, the outputs) beyond that step without
     * copying them: with it on, reading such a tensor later throws rather than showing another step's values.
     */
    public Trainer withStorageRecycling(boolean on) {
        this.recycleStorage = on;
        return this;
    }

    /** The pool the steps recycle their storages through. */
    StoragePool storagePool() { return storage; }

    /** A step of the pool, or a do-nothing step when recycling is off. */
    private StoragePool.Step step() {
        return recycleStorage ? storage.step() : StoragePool.Step.NONE;
    }

    public Module model() { return model; }

    public Optimizer<?, ?> optimizer() { return optimizer; }

    public LRSchedule schedule() { return schedule; }

    public Generator generator() { return generator; }

    /** Trains for {@code epochs} epochs from scratch. */
    public History fit(DataLoader train, DataLoader val, int epochs, List<? extends Callback> callbacks) {
        return fit(train, val, epochs, callbacks, TrainState.start());
    }

    /**
     * Trains from {@code start} (a restored checkpoint's state) until {@code epochs} epochs are done. The epoch
     * numbers, the data order and the step count carry on from where the checkpoint left off.
     */
    public History fit(DataLoader train, DataLoader val, int epochs, List<? extends Callback> callbacks, TrainState start) {
        if (epochs < 1) throw new IllegalArgumentException("fit: epochs must be at least 1, got " + epochs);
        if (scheduleInterval == ScheduleInterval.STEP && schedule instanceof ReduceLROnPlateau)
            throw new IllegalArgumentException("fit: ReduceLROnPlateau watches an epoch figure; it cannot step after "
                    + "every optimizer step (ScheduleInterval.STEP)");
        History history = start.history();
        TrainContext ctx = new TrainContext(this, epochs, train.batchesPerEpoch(), history);
        ctx.step = start.step();
        ctx.epochsDone = start.epochsDone();
        ctx.nextBatch = start.nextBatch();
        if (start.nextBatch() > 0 && history.size() > 0
                && history.epochs().getLast().getOrDefault("epoch", 0.0) == start.epochsDone() + 1)
            history.removeLast(); // the cut-short epoch is logged again, whole, when it finishes
        List<Metric> trainMetrics = instantiate();
        for (Callback c : callbacks) c.onTrainBegin(ctx);
        for (int epoch = start.epochsDone() + 1; epoch <= epochs && !ctx.stopRequested() && !stepsExhausted(ctx); epoch++) {
            model.train();
            trainMetrics.forEach(Metric::reset);
            for (Callback c : callbacks) c.onEpochBegin(ctx, epoch);
            double lossSum = 0;
            long seen = 0;
            int firstBatch = epoch == start.epochsDone() + 1 ? start.nextBatch() : 0;
            int batch = firstBatch;
            long t0 = System.nanoTime();
            for (Batch b : train.epoch(epoch - 1, firstBatch)) {
                try (StoragePool.Step step = step()) {
                    try {
                        optimizer.zeroGrad();
                        Tensor out = model.forward(b.x());
                        Tensor l = loss.forward(out, b.y());
                        l.backward();
                        if (clipGradNorm != null) Clipping.clipGradNorm(model.parameters(), clipGradNorm);
                        if (clipGradValue != null) Clipping.clipGradValue(model.parameters(), clipGradValue);
                        optimizer.step();
                        ctx.step++;
                        if (scheduleInterval == ScheduleInterval.STEP) stepSchedulePerStep();
                        double lv = l.item();
                        int bs = b.size();
                        lossSum += lv * bs;
                        seen += bs;
                        if (!trainMetrics.isEmpty()) {
                            Tensor detached = out.detach();
                            for (Metric m : trainMetrics) m.update(detached, b.y());
                        }
                        for (Callback c : callbacks) c.onBatchEnd(ctx, epoch, batch, lv, bs);
                    } finally { // kept even when the step fails, so that the grads can still be looked at
                        model.keepIn(step); // parameters, grads, buffers; optimizer state has arrays of its own
                    }
                }
                batch++;
                if (stepsExhausted(ctx)) break;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            boolean complete = batch >= train.batchesPerEpoch();
            ctx.epochsDone = complete ? epoch : epoch - 1;
            ctx.nextBatch = complete ? 0 : batch;
            Map<String, Double> logs = new LinkedHashMap<>();
            logs.put("epoch", (double) epoch);
            logs.put("loss", lossSum / seen);
            for (Metric m : trainMetrics) logs.put(m.name(), m.compute());
            if (val != null) evaluate(val).forEach((k, v) -> logs.put("val_" + k, v));
            logs.put("lr", optimizer.paramGroups().getFirst().lr());
            logs.put("samples_per_s", seen / seconds);
            logs.put("steps", (double) ctx.step);
            // a cut-short epoch steps the schedule when it is finished after a resume
            if (complete && scheduleInterval == ScheduleInterval.EPOCH) stepSchedule(logs);
            history.add(logs);
            for (Callback c : callbacks) c.onEpochEnd(ctx, epoch, history.epochs().getLast());
        }
        for (Callback c : callbacks) c.onTrainEnd(ctx);
        return history;
    }

    private boolean stepsExhausted(TrainContext ctx) {
        return maxSteps != null && ctx.step >= maxSteps;
    }

    private void stepSchedulePerStep() {
        switch (schedule) {
            case null -> { }
            case LRScheduler s -> s.step();
            default -> throw new IllegalStateException("unsupported schedule " + schedule.getClass().getSimpleName());
        }
    }

    private void stepSchedule(Map<String, Double> logs) {
        switch (schedule) {
            case null -> { }
            case ReduceLROnPlateau plateau -> {
                Double metric = logs.get(plateauMonitor);
                if (metric == null) metric = logs.get(plateauMonitor.startsWith("val_") ? plateauMonitor.substring(4) : plateauMonitor);
                if (metric == null)
                    throw new IllegalStateException("ReduceLROnPlateau monitors '" + plateauMonitor + "', which the epoch logs lack; they have "
                            + logs.keySet());
                plateau.step(metric);
            }
            case LRScheduler s -> s.step();
            default -> throw new IllegalStateException("unsupported schedule " + schedule.getClass().getSimpleName());
        }
    }

    private List<Metric> instantiate() {
        List<Metric> out = new ArrayList<>();
        for (Supplier<? extends Metric> f : metrics) out.add(f.get());
        return out;
    }

    /** The mean loss (weighted by batch size) and the metrics over {@code data}, in eval mode, without gradients. */
    public Map<String, Double> evaluate(DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        List<Metric> ms = instantiate();
        double lossSum = 0;
        long seen = 0;
        try (var ignored = NoGrad.enter()) {
            for (Batch b : data.epoch(0)) {
                try (StoragePool.Step step = step()) {
                    Tensor out = model.forward(b.x());
                    lossSum += loss.forward(out, b.y()).item() * b.size();
                    seen += b.size();
                    for (Metric m : ms) m.update(out, b.y());
                    model.keepIn(step); // parameters, grads, buffers; optimizer state has arrays of its own
                }
            }
        } finally {
            model.train(wasTraining);
        }
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("loss", lossSum / seen);
        for (Metric m : ms) r.put(m.name(), m.compute());
        return r;
    }

    /** The model's outputs for every row of {@code x}, batch by batch, in eval mode without gradients. */
    public Tensor predict(Tensor x, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("predict: batch size must be at least 1, got " + batchSize);
        boolean wasTraining = model.isTraining();
        model.eval();
        List<Tensor> outs = new ArrayList<>();
        try (var ignored = NoGrad.enter()) {
            int n = x.size(0);
            for (int from = 0; from < n; from += batchSize)
                outs.add(model.forward(x.narrow(0, from, Math.min(batchSize, n - from))));
        } finally {
            model.train(wasTraining);
        }
        return Tensor.cat(outs, 0);
    }
}
