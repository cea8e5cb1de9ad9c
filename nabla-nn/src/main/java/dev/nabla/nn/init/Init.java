package dev.nabla.nn.init;

import dev.nabla.autograd.NoGrad;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.Locale;
import java.util.Map;

/**
 * Weight initialisers with PyTorch's {@code torch.nn.init} semantics (names in camelCase, in place, ending in
 * {@code _}), each drawing from an explicit {@link Generator}. They write under {@link NoGrad}, so they may be
 * applied to parameters. {@link #byName} selects one by its name, for configuration files.
 */
public final class Init {
    private Init() {}

    /** Fan modes of the Kaiming initialisers. */
    public enum Mode { FAN_IN, FAN_OUT }

    // ---------------------------------------------------------------- plain fills

    /** U(a, b). */
    public static Tensor uniform_(Tensor t, double a, double b, Generator gen) {
        if (!(b >= a)) throw new IllegalArgumentException("uniform_: b (" + b + ") must be >= a (" + a + ")");
        float[] v = new float[t.numel()];
        for (int i = 0; i < v.length; i++) v[i] = (float) (a + (b - a) * gen.nextDouble());
        return write(t, v);
    }

    /** N(mean, std²). */
    public static Tensor normal_(Tensor t, double mean, double std, Generator gen) {
        if (!(std >= 0)) throw new IllegalArgumentException("normal_: std must be >= 0, got " + std);
        float[] v = new float[t.numel()];
        for (int i = 0; i < v.length; i++) v[i] = (float) (mean + std * gen.nextGaussian());
        return write(t, v);
    }

    public static Tensor constant_(Tensor t, double value) {
        try (var _ = NoGrad.enter()) {
            t.fill_((float) value);
        }
        return t;
    }

    public static Tensor zeros_(Tensor t) { return constant_(t, 0); }

    public static Tensor ones_(Tensor t) { return constant_(t, 1); }

    private static Tensor write(Tensor t, float[] values) {
        try (var _ = NoGrad.enter()) {
            t.copy_(Tensor.of(values, t.shape()));
        }
        return t;
    }

    // ---------------------------------------------------------------- fan-scaled

    /**
     * (fan_in, fan_out) as PyTorch computes them: dim 1 and dim 0 times the product of the remaining dims
     * (the receptive field). Needs at least 2 dims.
     */
    public static int[] fans(Tensor t) {
        if (t.rank() < 2)
            throw new IllegalArgumentException("init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got shape "
                    + Shape.str(t.shape()));
        int receptive = 1;
        for (int d = 2; d < t.rank(); d++) receptive *= t.size(d);
        return new int[] {t.size(1) * receptive, t.size(0) * receptive};
    }

    /**
     * The recommended gain for a nonlinearity (PyTorch's {@code calculate_gain}): linear, conv*, sigmoid → 1,
     * tanh → 5/3, relu → √2, leaky_relu → √(2/(1+slope²)) (slope {@code param}, default 0.01), selu → 3/4.
     */
    public static double calculateGain(String nonlinearity, Double param) {
        String n = nonlinearity.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid" -> 1.0;
            case "tanh" -> 5.0 / 3;
            case "relu" -> Math.sqrt(2.0);
            case "leaky_relu" -> {
                double slope = param == null ? 0.01 : param;
                yield Math.sqrt(2.0 / (1 + slope * slope));
            }
            case "selu" -> 3.0 / 4;
            default -> throw new IllegalArgumentException("calculate_gain: unsupported nonlinearity '" + nonlinearity + "'");
        };
    }

    /** Glorot/Xavier uniform: U(-a, a) with a = gain·√(6/(fan_in+fan_out)). */
    public static Tensor xavierUniform_(Tensor t, double gain, Generator gen) {
        int[] f = fans(t);
        double a = Math.sqrt(3.0) * gain * Math.sqrt(2.0 / (f[0] + f[1]));
        return uniform_(t, -a, a, gen);
    }

    /** Glorot/Xavier normal: N(0, std²) with std = gain·√(2/(fan_in+fan_out)). */
    public static Tensor xavierNormal_(Tensor t, double gain, Generator gen) {
        int[] f = fans(t);
        return normal_(t, 0, gain * Math.sqrt(2.0 / (f[0] + f[1])), gen);
    }

    /** He/Kaiming uniform: U(-b, b) with b = gain·√(3/fan), gain from {@code nonlinearity} with parameter {@code a}. */
    public static Tensor kaimingUniform_(Tensor t, double a, Mode mode, String nonlinearity, Generator gen) {
        double bound = Math.sqrt(3.0) * kaimingStd(t, a, mode, nonlinearity);
        return uniform_(t, -bound, bound, gen);
    }

    /** He/Kaiming normal: N(0, std²) with std = gain/√fan. */
    public static Tensor kaimingNormal_(Tensor t, double a, Mode mode, String nonlinearity, Generator gen) {
        return normal_(t, 0, kaimingStd(t, a, mode, nonlinearity), gen);
    }

    private static double kaimingStd(Tensor t, double a, Mode mode, String nonlinearity) {
        int[] f = fans(t);
        int fan = mode == Mode.FAN_IN ? f[0] : f[1];
        if (fan == 0) throw new IllegalArgumentException("kaiming init: the fan of a tensor of shape " + Shape.str(t.shape()) + " is 0");
        return calculateGain(nonlinearity, a) / Math.sqrt(fan);
    }

    // ---------------------------------------------------------------- by name

    /**
     * An initialiser by name, with PyTorch's option names and defaults:
     * {@code uniform} (a=0, b=1), {@code normal} (mean=0, std=1), {@code constant} (val), {@code zeros}, {@code ones},
     * {@code xavier_uniform} / {@code glorot_uniform} and {@code xavier_normal} / {@code glorot_normal} (gain=1),
     * {@code kaiming_uniform} / {@code he_uniform} and {@code kaiming_normal} / {@code he_normal}
     * (a=0, mode="fan_in", nonlinearity="leaky_relu"). Unknown names or options are errors.
     */
    public static Initializer byName(String name, Map<String, ?> options) {
        Options o = new Options(name, options == null ? Map.of() : options);
        Initializer init = switch (name.toLowerCase(Locale.ROOT)) {
            case "uniform" -> {
                double a = o.num("a", 0), b = o.num("b", 1);
                yield (t, g) -> uniform_(t, a, b, g);
            }
            case "normal" -> {
                double mean = o.num("mean", 0), std = o.num("std", 1);
                yield (t, g) -> normal_(t, mean, std, g);
            }
            case "constant" -> {
                double v = o.num("val", Double.NaN);
                if (Double.isNaN(v)) throw new IllegalArgumentException("init constant: option 'val' is required");
                yield (t, g) -> constant_(t, v);
            }
            case "zeros" -> (t, g) -> zeros_(t);
            case "ones" -> (t, g) -> ones_(t);
            case "xavier_uniform", "glorot_uniform" -> {
                double gain = o.num("gain", 1);
                yield (t, g) -> xavierUniform_(t, gain, g);
            }
            case "xavier_normal", "glorot_normal" -> {
                double gain = o.num("gain", 1);
                yield (t, g) -> xavierNormal_(t, gain, g);
            }
            case "kaiming_uniform", "he_uniform", "kaiming_normal", "he_normal" -> {
                double a = o.num("a", 0);
                Mode mode = switch (o.str("mode", "fan_in")) {
                    case "fan_in" -> Mode.FAN_IN;
                    case "fan_out" -> Mode.FAN_OUT;
                    default -> throw new IllegalArgumentException("init " + name + ": mode must be fan_in or fan_out, got '"
                            + o.str("mode", "") + "'");
                };
                String nl = o.str("nonlinearity", "leaky_relu");
                calculateGain(nl, a); // validates the name now rather than at first use
                yield name.toLowerCase(Locale.ROOT).endsWith("uniform")
                        ? (t, g) -> kaimingUniform_(t, a, mode, nl, g)
                        : (t, g) -> kaimingNormal_(t, a, mode, nl, g);
            }
            default -> throw new IllegalArgumentException("init: unknown initialiser '" + name + "'; known: uniform, normal, "
                    + "constant, zeros, ones, xavier_uniform (glorot_uniform), xavier_normal (glorot_normal), "
                    + "kaiming_uniform (he_uniform), kaiming_normal (he_normal)");
        };
        o.checkAllUsed();
        return init;
    }

    private static final class Options {
        private final String init;
        private final Map<String, ?> map;
        private final java.util.Set<String> used = new java.util.HashSet<>();

        Options(String init, Map<String, ?> map) {
            this.init = init;
            this.map = map;
        }

        double num(String key, double dflt) {
            used.add(key);
            Object v = map.get(key);
            if (v == null) return dflt;
            if (v instanceof Number n) return n.doubleValue();
            throw new IllegalArgumentException("init " + init + ": option '" + key + "' must be a number, got " + v);
        }

        String str(String key, String dflt) {
            used.add(key);
            Object v = map.get(key);
            if (v == null) return dflt;
            if (v instanceof String s) return s;
            throw new IllegalArgumentException("init " + init + ": option '" + key + "' must be a string, got " + v);
        }

        void checkAllUsed() {
            for (String k : map.keySet())
                if (!used.contains(k)) throw new IllegalArgumentException("init " + init + ": unknown option '" + k + "'");
        }
    }
}
