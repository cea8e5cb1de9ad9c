package dev.nabla.examples;

import dev.nabla.train.Callback;

import java.util.List;

/**
 * What a Fashion-MNIST example can be asked to vary: the epochs, a slice of the data (the first {@code limit}
 * training and test examples, as a config's {@code data.limit}), the seed, and the training callbacks.
 */
public record RunOptions(int epochs, Integer limit, long seed, List<Callback> callbacks) {
    public RunOptions {
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        if (limit != null && limit < 1) throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
        callbacks = List.copyOf(callbacks);
    }

    /** The seed program's settings: all the data, seed 0, no callbacks. */
    public static RunOptions of(int epochs) {
        return new RunOptions(epochs, null, 0, List.of());
    }

    public RunOptions withLimit(Integer n) { return new RunOptions(epochs, n, seed, callbacks); }

    public RunOptions withCallbacks(List<Callback> cs) { return new RunOptions(epochs, limit, seed, cs); }

    /** {@code [--epochs N] [--limit N] [--seed N]} over the defaults {@code base}. */
    public static RunOptions parse(String[] args, RunOptions base) {
        RunOptions o = base;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value; options: --epochs N --limit N --seed N");
            String value = args[++i];
            long v;
            try {
                v = Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " expects a whole number, got '" + value + "'");
            }
            o = switch (flag) {
                case "--epochs" -> new RunOptions(Math.toIntExact(v), o.limit, o.seed, o.callbacks);
                case "--limit" -> new RunOptions(o.epochs, Math.toIntExact(v), o.seed, o.callbacks);
                case "--seed" -> new RunOptions(o.epochs, o.limit, v, o.callbacks);
                default -> throw new IllegalArgumentException("unknown option '" + flag + "'; options: --epochs N --limit N --seed N");
            };
        }
        return o;
    }
}
