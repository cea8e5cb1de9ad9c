package dev.nabla.train;

import dev.nabla.io.Json;
import dev.nabla.io.SafeTensors;
import dev.nabla.optim.OptimizerStateDict;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoints: one folder per save ({@code epoch-0003/}) holding {@code model.safetensors} (the state dict
 * with PyTorch names), {@code optimizer.safetensors} and {@code trainer.json} (epoch, step, generator state,
 * schedule state, history). A save is written into a temporary folder, synced, and renamed into place; only
 * then does the {@code latest} pointer (itself replaced atomically) name it. A crash at any point leaves the
 * previous checkpoint intact and {@code latest} pointing at it.
 */
public final class Checkpoint {
    static final String FORMAT = "nabla-checkpoint";
    static final long VERSION = 1;

    private Checkpoint() {}

    /**
     * Saves the run's full state at the end of {@code epoch} into {@code dir}; returns the new checkpoint's folder.
     * An epoch that max_steps cut short is saved as such ({@code epoch-0003-batch-0120}), so a resumed run
     * finishes it from the next batch.
     */
    public static Path save(Path dir, TrainContext ctx, int epoch) {
        try {
            Files.createDirectories(dir);
            boolean partial = ctx.nextBatch() > 0 && ctx.epochsDone() < epoch;
            String name = partial ? String.format("epoch-%04d-batch-%05d", epoch, ctx.nextBatch()) : String.format("epoch-%04d", epoch);
            Path tmp = Files.createTempDirectory(dir, "." + name + ".tmp-");
            SafeTensors.write(tmp.resolve("model.safetensors"), ctx.model().stateDict(), Map.of("format", "pt"));
            OptimizerStateDict opt = ctx.optimizer().stateDict();
            SafeTensors s = opt.toSafeTensors();
            SafeTensors.write(tmp.resolve("optimizer.safetensors"), s.tensors(), s.metadata());
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("format", FORMAT);
            meta.put("version", VERSION);
            meta.put("epoch", (long) ctx.epochsDone());
            meta.put("next_batch", (long) ctx.nextBatch());
            meta.put("step", ctx.step());
            List<Object> gen = new ArrayList<>();
            for (long w : ctx.generator().state()) gen.add(Long.toString(w)); // as strings: JSON numbers lose 64-bit words elsewhere
            meta.put("generator", gen);
            if (ctx.schedule() != null) meta.put("schedule", ctx.schedule().stateDict());
            meta.put("history", Json.parse(ctx.history().toJson()));
            writeSynced(tmp.resolve("trainer.json"), Json.write(meta));
            Path target = dir.resolve(name);
            if (Files.exists(target)) deleteTree(target); // a re-run of the same epoch replaces it
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            Path pointer = Files.createTempFile(dir, ".latest", ".tmp");
            Files.writeString(pointer, name + "\n");
            Files.move(pointer, dir.resolve("latest"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint: could not save epoch " + epoch + " into " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint {@code latest} names, if there is one. */
    public static Optional<Path> latest(Path dir) throws IOException {
        Path pointer = dir.resolve("latest");
        if (!Files.isRegularFile(pointer)) return Optional.empty();
        Path target = dir.resolve(Files.readString(pointer).strip());
        if (!Files.isDirectory(target))
            throw new IOException(pointer + " names " + target.getFileName() + ", which does not exist");
        return Optional.of(target);
    }

    /**
     * Loads a checkpoint into the trainer's model, optimizer, schedule and generator, and returns the state
     * to pass to {@link Trainer#fit(dev.nabla.data.DataLoader, dev.nabla.data.DataLoader, int, List, TrainState)}.
     */
    @SuppressWarnings("unchecked")
    public static TrainState restore(Path checkpoint, Trainer trainer) throws IOException {
        Path metaFile = checkpoint.resolve("trainer.json");
        Map<String, Object> meta;
        try {
            meta = (Map<String, Object>) Json.parse(Files.readString(metaFile));
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException(metaFile + ": not a checkpoint description: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(meta.get("format")) || !Long.valueOf(VERSION).equals(meta.get("version")))
            throw new IOException(metaFile + ": expected " + FORMAT + " version " + VERSION + ", found "
                    + meta.get("format") + " version " + meta.get("version"));
        trainer.model().loadStateDict(SafeTensors.read(checkpoint.resolve("model.safetensors")).tensors(), true);
        trainer.optimizer().loadStateDict(OptimizerStateDict.fromSafeTensors(SafeTensors.read(checkpoint.resolve("optimizer.safetensors"))));
        List<Object> gen = (List<Object>) meta.get("generator");
        long[] state = new long[gen.size()];
        for (int i = 0; i < state.length; i++) state[i] = Long.parseLong((String) gen.get(i));
        trainer.generator().setState(state);
        if (trainer.schedule() != null) {
            Object s = meta.get("schedule");
            if (!(s instanceof Map<?, ?> m))
                throw new IOException(metaFile + ": the run has a schedule but the checkpoint saved none");
            trainer.schedule().loadStateDict((Map<String, ?>) m);
        }
        History history = History.fromJson(Json.write(meta.get("history")));
        int nextBatch = meta.get("next_batch") instanceof Number nb ? nb.intValue() : 0;
        return new TrainState(((Number) meta.get("epoch")).intValue(), nextBatch, ((Number) meta.get("step")).longValue(), history);
    }

    /** Deletes all checkpoints but the newest {@code keep} (and any temporary folders left by a crash). */
    public static void prune(Path dir, int keep) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.list(dir)) {
            all = s.filter(Files::isDirectory).sorted(Comparator.comparing(Path::toString)).toList();
        }
        List<Path> done = all.stream().filter(p -> p.getFileName().toString().startsWith("epoch-")).toList();
        Optional<Path> latest = latest(dir);
        for (int i = 0; i < done.size() - keep; i++)
            if (latest.isEmpty() || !done.get(i).equals(latest.get())) deleteTree(done.get(i));
        for (Path p : all)
            if (p.getFileName().toString().startsWith(".epoch-")) deleteTree(p);
    }

    private static void writeSynced(Path file, String text) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(StandardCharsets.UTF_8.encode(text));
            ch.force(true);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
