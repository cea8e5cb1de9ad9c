package dev.nabla.train;

import java.util.Map;

/**
 * Hooks into {@link Trainer#fit}, as Keras callbacks: everything optional in training (history, progress,
 * early stopping, checkpoints, schedules, the NaN guard) is one of these. Epochs are numbered from 1.
 */
public interface Callback {
    default void onTrainBegin(TrainContext ctx) { }

    default void onEpochBegin(TrainContext ctx, int epoch) { }

    /** After each optimizer step; {@code loss} is the batch's mean loss. */
    default void onBatchEnd(TrainContext ctx, int epoch, int batch, double loss, int batchSize) { }

    /** After validation; {@code logs} holds loss, metrics, val_ figures, lr and samples/s for the epoch. */
    default void onEpochEnd(TrainContext ctx, int epoch, Map<String, Double> logs) { }

    default void onTrainEnd(TrainContext ctx) { }
}
