package dev.nabla.train;

/**
 * Where a run stands: epochs finished, the batch of the next epoch to start from (non-zero when a run stopped
 * mid-epoch at {@code max_steps}), optimizer steps taken, and the logs so far (appended to as training goes on).
 * A fresh run starts at {@link #start()}; a resumed one at what {@link Checkpoint#restore} returns.
 */
public record TrainState(int epochsDone, int nextBatch, long step, History history) {
    /** Nothing done yet, with an empty history of its own. */
    public static TrainState start() {
        return new TrainState(0, 0, 0, new History());
    }

    public TrainState {
        if (epochsDone < 0 || nextBatch < 0 || step < 0)
            throw new IllegalArgumentException("TrainState: negative epoch, batch or step");
        history = history == null ? new History() : history;
    }
}
