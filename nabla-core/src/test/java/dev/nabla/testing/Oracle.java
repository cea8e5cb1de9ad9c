package dev.nabla.testing;

import dev.nabla.io.Json;
import dev.nabla.io.SafeTensors;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Reads an oracle fixture written by {@code oracle/fixture.py} and turns each case into a JUnit
 * dynamic test: the Java op runs on the recorded inputs, then its output and its gradients (of
 * {@code sum(out * w)}) are compared with PyTorch's, printing the first mismatching elements.
 */
public final class Oracle {
    private final SafeTensors file;
    private final List<Map<String, Object>> cases;

    /** One recorded case: its name, op, arguments and tensors. */
    public record Case(String name, String op, Map<String, Object> args, SafeTensors file) {
        /** Input i as recorded; float inputs are fresh leaves that require grad. */
        public Tensor in(int i) {
            Tensor t = file.get(name + "/in" + i).clone();
            return t.dtype() == DType.FLOAT32 ? t.requiresGrad(true) : t;
        }

        public int inputCount() {
            int n = 0;
            while (file.tensors().containsKey(name + "/in" + n)) n++;
            return n;
        }

        public Tensor[] inputs() {
            Tensor[] ts = new Tensor[inputCount()];
            for (int i = 0; i < ts.length; i++) ts[i] = in(i);
            return ts;
        }

        public Tensor expected(String what) {
            return file.get(name + "/" + what);
        }

        public boolean has(String what) {
            return file.tensors().containsKey(name + "/" + what);
        }

        public double num(String key) {
            Object v = args.get(key);
            if (!(v instanceof Number n)) throw new IllegalArgumentException("case " + name + " has no numeric arg " + key);
            return n.doubleValue();
        }

        public int integer(String key) {
            return (int) num(key);
        }

        public boolean flag(String key) {
            return Boolean.TRUE.equals(args.get(key));
        }

        public int[] ints(String key) {
            Object v = args.get(key);
            if (v instanceof Number n) return new int[] {n.intValue(), n.intValue()};
            if (!(v instanceof List<?> l)) throw new IllegalArgumentException("case " + name + " has no int list " + key);
            return l.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        }
    }

    private Oracle(SafeTensors file) {
        this.file = file;
        if (!"nabla-oracle".equals(file.metadata().get("format")) || !"1".equals(file.metadata().get("version")))
            throw new IllegalStateException("fixture is not a nabla-oracle v1 file (metadata " + file.metadata()
                    + "); regenerate it with the scripts in oracle/");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cs = (List<Map<String, Object>>) Json.parse(file.metadata().get("cases"));
        this.cases = cs;
    }

    /** Loads {@code fixtures/FAMILY.safetensors} from the test resources. */
    public static Oracle load(String family) {
        var url = Oracle.class.getResource("/fixtures/" + family + ".safetensors");
        if (url == null) throw new IllegalStateException("no fixture fixtures/" + family + ".safetensors; run oracle/gen_" + family + ".py");
        try {
            return new Oracle(SafeTensors.read(Path.of(url.toURI())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            @SuppressWarnings("unchecked")
            Map<String, Object> args = (Map<String, Object>) c.get("args");
            out.add(new Case((String) c.get("name"), (String) c.get("op"), args, file));
        }
        return out;
    }

    /**
     * One dynamic test per case: {@code run} maps a case and its inputs to the Java output; output and
     * gradients must match within {@code atol + rtol·|expected|}.
     */
    public Stream<DynamicTest> tests(double atol, double rtol, BiFunction<Case, Tensor[], Tensor> run) {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name() + " (" + c.op() + ")", () -> {
            Tensor[] in = c.inputs();
            Tensor out = run.apply(c, in);
            assertClose(c.name() + " output", c.expected("out"), out, atol, rtol);
            if (c.has("w")) {
                out.backward(c.expected("w"));
                for (int i = 0; i < in.length; i++) {
                    if (!c.has("grad" + i)) continue;
                    if (in[i].grad() == null) fail(c.name() + ": input " + i + " got no gradient");
                    assertClose(c.name() + " grad of input " + i, c.expected("grad" + i), in[i].grad(), atol, rtol);
                }
            }
        }));
    }

    /** As {@link #tests(double, double, BiFunction)} for ops that need only the inputs. */
    public Stream<DynamicTest> tests(double atol, double rtol, Function<Tensor[], Tensor> run) {
        return tests(atol, rtol, (c, in) -> run.apply(in));
    }

    /** Fails listing up to five mismatching elements (index, expected, actual) when shapes or values differ. */
    public static void assertClose(String what, Tensor expected, Tensor actual, double atol, double rtol) {
        if (!Arrays.equals(expected.shape(), actual.shape()))
            fail(what + ": shape " + Shape.str(actual.shape()) + ", expected " + Shape.str(expected.shape()));
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        StringBuilder bad = new StringBuilder();
        int count = 0;
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            double diff = Math.abs((double) e[i] - a[i]);
            boolean ok = diff <= atol + rtol * Math.abs(e[i]) || (Float.isNaN(e[i]) && Float.isNaN(a[i]))
                    || (e[i] == a[i]);
            if (!ok) {
                if (count < 5) bad.append(String.format(java.util.Locale.ROOT, "%n  [%d] expected %.7g, got %.7g", i, e[i], a[i]));
                count++;
                worst = Math.max(worst, diff);
            }
        }
        if (count > 0)
            fail(what + ": " + count + " of " + e.length + " elements differ (worst abs diff " + worst + ")" + bad);
    }
}
