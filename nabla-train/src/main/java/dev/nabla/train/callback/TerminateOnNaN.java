package dev.nabla.train.callback;

import dev.nabla.train.Callback;
import dev.nabla.train.TrainContext;
import dev.nabla.train.TrainingDivergedException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The NaN/Inf guard: stops at the first batch whose loss is not finite, with a message saying where and
 * which checkpoint is the last good one. The failing epoch is never checkpointed.
 */
public final class TerminateOnNaN implements Callback {
    private final Path checkpointDir;

    /** @param checkpointDir where checkpoints go, to name the last good one (may be null) */
    public TerminateOnNaN(Path checkpointDir) {
        this.checkpointDir = checkpointDir;
    }

    @Override
    public void onBatchEnd(TrainContext ctx, int epoch, int batch, double loss, int batchSize) {
        if (Double.isFinite(loss)) return;
        String last = "no checkpoint was written yet";
        if (checkpointDir != null) {
            try {
                Optional<Path> p = dev.nabla.train.Checkpoint.latest(checkpointDir);
                if (p.isPresent()) last = "the last good checkpoint is " + p.get();
            } catch (IOException e) {
                last = "the checkpoint folder could not be read: " + e.getMessage();
            }
        }
        throw new TrainingDivergedException(String.format(java.util.Locale.ROOT,
                "the loss became %s at epoch %d, batch %d (step %d); %s. Try a lower learning rate or gradient clipping.",
                Double.isNaN(loss) ? "NaN" : (loss > 0 ? "+Inf" : "-Inf"), epoch, batch + 1, ctx.step(), last));
    }
}
