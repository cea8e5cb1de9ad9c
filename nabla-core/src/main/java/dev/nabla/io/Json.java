package dev.nabla.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON reader and writer that file headers need (core depends on the JDK only).
 * Values map to {@code Map<String,Object>} (insertion order kept), {@code List<Object>}, {@code String},
 * {@code Long} or {@code Double}, {@code Boolean} and {@code null}. Errors name the character offset.
 */
public final class Json {
    private static final int MAX_DEPTH = 64;

    private final String s;
    private int i;

    private Json(String s) {
        this.s = s;
    }

    /** Parses one JSON value that must fill the whole text (surrounding white space aside). */
    public static Object parse(String text) {
        Json p = new Json(text);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.i != text.length()) throw p.error("unexpected text after the JSON value");
        return v;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("JSON " + what + " at offset " + i);
    }

    private void ws() {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\n' || s.charAt(i) == '\r' || s.charAt(i) == '\t')) i++;
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) throw error("nests deeper than " + MAX_DEPTH + " levels");
        if (i >= s.length()) throw error("ends early");
        char c = s.charAt(i);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("has an unexpected character '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) throw error("has an unknown literal");
        i += word.length();
        return v;
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (i < s.length() && s.charAt(i) == '}') { i++; return m; }
        while (true) {
            ws();
            if (i >= s.length() || s.charAt(i) != '"') throw error("expects a string key");
            String k = string();
            ws();
            if (i >= s.length() || s.charAt(i) != ':') throw error("expects ':'");
            i++;
            ws();
            if (m.containsKey(k)) throw error("has the key \"" + k + "\" twice");
            m.put(k, value(depth + 1));
            ws();
            if (i >= s.length()) throw error("ends inside an object");
            char c = s.charAt(i++);
            if (c == '}') return m;
            if (c != ',') throw error("expects ',' or '}'");
        }
    }

    private List<Object> array(int depth) {
        List<Object> l = new ArrayList<>();
        i++;
        ws();
        if (i < s.length() && s.charAt(i) == ']') { i++; return l; }
        while (true) {
            ws();
            l.add(value(depth + 1));
            ws();
            if (i >= s.length()) throw error("ends inside an array");
            char c = s.charAt(i++);
            if (c == ']') return l;
            if (c != ',') throw error("expects ',' or ']'");
        }
    }

    private String string() {
        StringBuilder b = new StringBuilder();
        i++;
        while (true) {
            if (i >= s.length()) throw error("ends inside a string");
            char c = s.charAt(i++);
            if (c == '"') return b.toString();
            if (c < 0x20) throw error("has a control character inside a string");
            if (c != '\\') { b.append(c); continue; }
            if (i >= s.length()) throw error("ends inside an escape");
            char e = s.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length()) throw error("has a short \\u escape");
                    int code = 0;
                    for (int k = 0; k < 4; k++) {
                        int h = Character.digit(s.charAt(i + k), 16);
                        if (h < 0 || s.charAt(i + k) > 'f') throw error("has a bad \\u escape");
                        code = code * 16 + h;
                    }
                    b.append((char) code);
                    i += 4;
                }
                default -> throw error("has an unknown escape \\" + e);
            }
        }
    }

    /** A number as JSON spells it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; integers become Long. */
    private Object number() {
        int start = i;
        if (s.charAt(i) == '-') i++;
        if (i < s.length() && s.charAt(i) == '0') i++;
        else if (digits() == 0) throw error("has a malformed number");
        boolean fraction = false;
        if (i < s.length() && s.charAt(i) == '.') {
            i++;
            fraction = true;
            if (digits() == 0) throw error("has a malformed number");
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            fraction = true;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
            if (digits() == 0) throw error("has a malformed number");
        }
        String t = s.substring(start, i);
        if (!fraction) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException x) {
                i = start;
                throw error("has an integer '" + t + "' outside the 64-bit range");
            }
        }
        double d = Double.parseDouble(t);
        if (Double.isInfinite(d)) {
            i = start;
            throw error("has a number '" + t + "' outside the double range");
        }
        return d;
    }

    private int digits() {
        int from = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
        return i - from;
    }

    /** Writes maps, lists, strings, numbers, booleans and null as compact JSON. */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v) {
        switch (v) {
            case null -> b.append("null");
            case String str -> quote(b, str);
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) b.append(',');
                    first = false;
                    quote(b, String.valueOf(e.getKey()));
                    b.append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            }
            case List<?> l -> {
                b.append('[');
                for (int k = 0; k < l.size(); k++) {
                    if (k > 0) b.append(',');
                    write(b, l.get(k));
                }
                b.append(']');
            }
            case Double d when d.isNaN() || d.isInfinite() -> throw new IllegalArgumentException("JSON cannot hold " + d);
            case Float f when f.isNaN() || f.isInfinite() -> throw new IllegalArgumentException("JSON cannot hold " + f);
            case Number n -> b.append(n);
            case Boolean bo -> b.append(bo);
            default -> throw new IllegalArgumentException("JSON cannot hold a " + v.getClass().getSimpleName());
        }
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
