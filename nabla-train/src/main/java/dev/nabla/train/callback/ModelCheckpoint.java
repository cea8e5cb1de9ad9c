package dev.nabla.train.callback;

import dev.nabla.train.Callback;
import dev.nabla.train.Checkpoint;
import dev.nabla.train.TrainContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/** Saves a full checkpoint (see {@link Checkpoint}) at the end of every epoch, keeping the newest {@code keep}. */
public final class ModelCheckpoint implements Callback {
    private final Path dir;
    private final int keep;

    public ModelCheckpoint(Path dir, int keep) {
        if (keep < 1) throw new IllegalArgumentException("checkpoint: keep must be at least 1, got " + keep);
        this.dir = dir;
        this.keep = keep;
    }

    public Path dir() { return dir; }

    @Override
    public void onEpochEnd(TrainContext ctx, int epoch, Map<String, Double> logs) {
        Checkpoint.save(dir, ctx, epoch);
        try {
            Checkpoint.prune(dir, keep);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint: could not prune " + dir, e);
        }
    }
}
