package dev.nabla.cli.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed config value that remembers where it came from, so that every error can name the line:
 * a mapping, a sequence or a scalar (a {@code Long}, {@code Double}, {@code Boolean}, {@code String} or null).
 */
public sealed interface Node {
    /** Where a value was written: a file position ({@code line} and {@code column} from 1) or a {@code --set}. */
    record Loc(String source, int line, int column) {
        static Loc of(String setArgument) {
            return new Loc(setArgument, 0, 0);
        }

        @Override
        public String toString() {
            return line <= 0 ? source : source + ":" + line + ":" + column;
        }
    }

    Loc loc();

    /** A mapping in file order; {@code keyLocs} holds where each key was written. */
    record MapNode(LinkedHashMap<String, Node> entries, LinkedHashMap<String, Loc> keyLocs, Loc loc) implements Node {
        public MapNode(Loc loc) {
            this(new LinkedHashMap<>(), new LinkedHashMap<>(), loc);
        }

        public Node get(String key) { return entries.get(key); }

        public Loc keyLoc(String key) {
            Loc l = keyLocs.get(key);
            return l != null ? l : loc;
        }

        public void put(String key, Node value, Loc keyLoc) {
            entries.put(key, value);
            keyLocs.put(key, keyLoc);
        }
    }

    record ListNode(List<Node> items, Loc loc) implements Node {
        public ListNode(Loc loc) {
            this(new ArrayList<>(), loc);
        }
    }

    record Scalar(Object value, Loc loc) implements Node {
        public boolean isNull() { return value == null; }
    }

    /** The value as plain Java objects (maps, lists, Long/Double/Boolean/String/null), for APIs taking JSON-like maps. */
    static Object plain(Node n) {
        return switch (n) {
            case Scalar s -> s.value();
            case ListNode l -> {
                List<Object> out = new ArrayList<>();
                for (Node i : l.items()) out.add(plain(i));
                yield out;
            }
            case MapNode m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.entries().forEach((k, v) -> out.put(k, plain(v)));
                yield out;
            }
        };
    }

    /** How a value is described in a type error: {@code "ten" (a string)}. */
    static String describe(Node n) {
        return switch (n) {
            case MapNode m -> "a mapping";
            case ListNode l -> "a list";
            case Scalar s when s.value() == null -> "null";
            case Scalar s when s.value() instanceof String str -> "\"" + str + "\" (a string)";
            case Scalar s when s.value() instanceof Boolean -> s.value() + " (a boolean)";
            case Scalar s when s.value() instanceof Long -> s.value() + " (an integer)";
            case Scalar s -> s.value() + " (a number)";
        };
    }
}
