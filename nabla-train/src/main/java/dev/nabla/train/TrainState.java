package dev.nabla.train;

/**
 * Where a run stands: epochs finished, optimizer steps taken, and the logs so far (appended to as training
 * goes on). A fresh run starts at {@link #start()}; a resumed one at what {@link Checkpoint#restore} returns.
 */
public record TrainState(int epochsDone, long step, History history) {
    /** Nothing done yet, with an empty history of its own. */
    public static TrainState start() {
        return new TrainState(0, 0, new History());
    }

    public TrainState {
        if (epochsDone < 0 || step < 0) throw new IllegalArgumentException("TrainState: negative epoch or step");
        history = history == null ? new History() : history;
    }
}
