package dev.nabla.train;

/** Training stopped because the loss stopped being a finite number. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
