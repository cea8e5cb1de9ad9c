package dev.nabla.train;

import dev.nabla.nn.Module;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.schedule.LRSchedule;
import dev.nabla.tensor.Generator;

import java.util.List;
import java.util.Map;

/** What callbacks may see and do during {@link Trainer#fit}. */
public final class TrainContext {
    private final Trainer trainer;
    private final int epochs;
    private final int batchesPerEpoch;
    private final History history;
    private boolean stop;
    private String stopReason;
    long step;
    int epochsDone;
    int nextBatch;

    TrainContext(Trainer trainer, int epochs, int batchesPerEpoch, History history) {
        this.trainer = trainer;
        this.epochs = epochs;
        this.batchesPerEpoch = batchesPerEpoch;
        this.history = history;
    }

    public Module model() { return trainer.model(); }

    public Optimizer<?, ?> optimizer() { return trainer.optimizer(); }

    public LRSchedule schedule() { return trainer.schedule(); }

    /** The generator dropout and other random layers draw from (its state is checkpointed). */
    public Generator generator() { return trainer.generator(); }

    public int epochs() { return epochs; }

    public int batchesPerEpoch() { return batchesPerEpoch; }

    /** Optimizer steps taken so far. */
    public long step() { return step; }

    /** Epochs completed so far (an epoch cut short by max_steps does not count). */
    public int epochsDone() { return epochsDone; }

    /** The batch the next epoch starts from: 0, or where max_steps cut the last epoch short. */
    public int nextBatch() { return nextBatch; }

    /** The per-epoch logs so far (including epochs before a resume). */
    public History history() { return history; }

    public List<Map<String, Double>> logs() { return history.epochs(); }

    /** Ends training after the current epoch (as Keras's {@code model.stop_training = True}). */
    public void stopTraining(String reason) {
        stop = true;
        stopReason = reason;
    }

    public boolean stopRequested() { return stop; }

    public String stopReason() { return stopReason; }
}
