package dev.nabla.cli.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, checked access to one mapping of a config: every getter names the key it reads (so that {@link #done()}
 * can reject the keys nobody read), and every error names the file position and the full key path.
 */
public final class Args {
    private final Node.MapNode map;
    private final String path;
    private final Set<String> known = new LinkedHashSet<>();

    public Args(Node.MapNode map, String path) {
        this.map = map;
        this.path = path;
    }

    /** The mapping at {@code node}, or an error if it is another kind of value. A null or missing value gives an empty mapping. */
    public static Args of(Node node, String path, Node.Loc fallback) {
        if (node == null || node instanceof Node.Scalar s && s.isNull()) return new Args(new Node.MapNode(fallback), path);
        if (node instanceof Node.MapNode m) return new Args(m, path);
        throw ConfigException.at(node.loc(), path, "expected a mapping, got " + Node.describe(node));
    }

    public String path() { return path; }

    public Node.Loc loc() { return map.loc(); }

    public Node.MapNode node() { return map; }

    /** The path of a key under this mapping. */
    public String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public boolean has(String key) {
        known.add(key);
        Node n = map.get(key);
        return n != null && !(n instanceof Node.Scalar s && s.isNull());
    }

    /** The raw value (null when missing or null), marking the key as known. */
    public Node raw(String key) {
        known.add(key);
        Node n = map.get(key);
        return n instanceof Node.Scalar s && s.isNull() ? null : n;
    }

    /** Where a key's value is (or the mapping's own position when the key is missing). */
    public Node.Loc locOf(String key) {
        Node n = map.get(key);
        return n != null ? n.loc() : map.loc();
    }

    public ConfigException error(String key, String message) {
        return ConfigException.at(locOf(key), key == null ? path : pathOf(key), message);
    }

    public ConfigException error(String message) {
        return ConfigException.at(map.loc(), path, message);
    }

    // ---------------------------------------------------------------- scalars

    public String str(String key, String dflt) {
        Node n = raw(key);
        if (n == null) return dflt;
        if (n instanceof Node.Scalar s && s.value() instanceof String v) return v;
        if (n instanceof Node.Scalar s && (s.value() instanceof Number || s.value() instanceof Boolean)) return String.valueOf(s.value());
        throw typeError(key, n, "a string");
    }

    public String requiredStr(String key) {
        String v = str(key, null);
        if (v == null) throw missing(key);
        return v;
    }

    public boolean bool(String key, boolean dflt) {
        Node n = raw(key);
        if (n == null) return dflt;
        if (n instanceof Node.Scalar s && s.value() instanceof Boolean b) return b;
        throw typeError(key, n, "true or false");
    }

    public double num(String key, double dflt) {
        Double v = optNum(key);
        return v == null ? dflt : v;
    }

    public double requiredNum(String key) {
        Double v = optNum(key);
        if (v == null) throw missing(key);
        return v;
    }

    public Double optNum(String key) {
        Node n = raw(key);
        return n == null ? null : number(n, pathOf(key));
    }

    public int integer(String key, int dflt) {
        Long v = optLong(key);
        return v == null ? dflt : toInt(key, v);
    }

    public int requiredInt(String key) {
        Long v = optLong(key);
        if (v == null) throw missing(key);
        return toInt(key, v);
    }

    public Integer optInt(String key) {
        Long v = optLong(key);
        return v == null ? null : toInt(key, v);
    }

    public Long optLong(String key) {
        Node n = raw(key);
        return n == null ? null : integer(n, pathOf(key));
    }

    private int toInt(String key, long v) {
        if (v != (int) v) throw error(key, "integer " + v + " is out of range");
        return (int) v;
    }

    /** An int or a list of {@code n} ints (PyTorch's {@code int or tuple} arguments); a single int is repeated. */
    public int[] intTuple(String key, int n, int[] dflt) {
        Node node = raw(key);
        if (node == null) return dflt == null ? null : dflt.clone();
        if (node instanceof Node.ListNode l) {
            if (l.items().size() != n)
                throw error(key, "expected an integer or a list of " + n + " integers, got a list of " + l.items().size());
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = Math.toIntExact(integer(l.items().get(i), pathOf(key) + "[" + i + "]"));
            return out;
        }
        int v = Math.toIntExact(integer(node, pathOf(key)));
        int[] out = new int[n];
        java.util.Arrays.fill(out, v);
        return out;
    }

    /** A list of ints (a single int is a list of one). */
    public int[] intList(String key, int[] dflt) {
        Node node = raw(key);
        if (node == null) return dflt;
        if (!(node instanceof Node.ListNode l)) return new int[] {Math.toIntExact(integer(node, pathOf(key)))};
        int[] out = new int[l.items().size()];
        for (int i = 0; i < out.length; i++) out[i] = Math.toIntExact(integer(l.items().get(i), pathOf(key) + "[" + i + "]"));
        return out;
    }

    /** A list of numbers, or null when missing. */
    public float[] floatList(String key) {
        Node node = raw(key);
        if (node == null) return null;
        if (!(node instanceof Node.ListNode l)) throw typeError(key, node, "a list of numbers");
        float[] out = new float[l.items().size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) number(l.items().get(i), pathOf(key) + "[" + i + "]");
        return out;
    }

    /** A list of numbers at full precision, or null when missing. */
    public double[] doubleList(String key) {
        Node node = raw(key);
        if (node == null) return null;
        if (!(node instanceof Node.ListNode l)) throw typeError(key, node, "a list of numbers");
        double[] out = new double[l.items().size()];
        for (int i = 0; i < out.length; i++) out[i] = number(l.items().get(i), pathOf(key) + "[" + i + "]");
        return out;
    }

    /** A list of values, or an empty list when missing; a single value is a list of one. */
    public List<Node> list(String key) {
        Node node = raw(key);
        if (node == null) return List.of();
        if (node instanceof Node.ListNode l) return l.items();
        return List.of(node);
    }

    /** A nested mapping ({@code {}} when missing). */
    public Args obj(String key) {
        return of(raw(key), pathOf(key), map.loc());
    }

    // ---------------------------------------------------------------- checks

    /** Rejects every key that no getter asked for, naming it, its line and the keys that are allowed. */
    public void done() {
        for (var e : map.entries().entrySet()) {
            if (known.contains(e.getKey())) continue;
            String hint = closest(e.getKey(), known);
            throw ConfigException.at(map.keyLoc(e.getKey()), pathOf(e.getKey()), "unknown key"
                    + (hint != null ? " (did you mean '" + hint + "'?)" : "") + "; "
                    + (path.isEmpty() ? "the config" : path) + " takes " + String.join(", ", new TreeSet<>(known)));
        }
    }

    /** Declares the keys this mapping may hold and rejects any other now (before required keys are looked for). */
    public Args only(String... keys) {
        allow(keys);
        done();
        return this;
    }

    /** Marks keys as known without reading them (keys handled elsewhere). */
    public void allow(String... keys) {
        known.addAll(List.of(keys));
    }

    public Set<String> keys() {
        return map.entries().keySet();
    }

    private ConfigException missing(String key) {
        return ConfigException.at(map.loc(), pathOf(key), "required key is missing");
    }

    private ConfigException typeError(String key, Node n, String expected) {
        return ConfigException.at(n.loc(), pathOf(key), "expected " + expected + ", got " + Node.describe(n));
    }

    static double number(Node n, String path) {
        if (n instanceof Node.Scalar s) {
            if (s.value() instanceof Number v) return v.doubleValue();
            // YAML 1.1 reads 1e-8 (no dot) as a string; accept what Java reads as a number.
            if (s.value() instanceof String str && str.strip().matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?|[-+]?\\.?inf|\\.nan"))
                return parseNumber(str.strip());
        }
        throw ConfigException.at(n.loc(), path, "expected a number, got " + Node.describe(n));
    }

    private static double parseNumber(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case ".inf", "+.inf", "inf", "+inf" -> Double.POSITIVE_INFINITY;
            case "-.inf", "-inf" -> Double.NEGATIVE_INFINITY;
            case ".nan" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    static long integer(Node n, String path) {
        if (n instanceof Node.Scalar s) {
            if (s.value() instanceof Long v) return v;
            if (s.value() instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) return d.longValue();
            if (s.value() instanceof String str && str.strip().matches("[-+]?\\d+")) return Long.parseLong(str.strip());
        }
        throw ConfigException.at(n.loc(), path, "expected an integer, got " + Node.describe(n));
    }

    /** The candidate closest to {@code key} by edit distance, if it is close enough to be a likely typo. */
    static String closest(String key, Collection<String> candidates) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(key.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best != null && bestD <= Math.max(2, key.length() / 3) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The names as a sorted list for messages. */
    static String listing(Collection<String> names) {
        return String.join(", ", new TreeSet<>(new ArrayList<>(names)));
    }
}
