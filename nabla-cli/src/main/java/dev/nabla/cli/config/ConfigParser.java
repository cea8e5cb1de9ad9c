package dev.nabla.cli.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a YAML or JSON config (by extension: {@code .json} is JSON, anything else YAML) into a {@link Node} tree
 * that keeps every value's line and column (Jackson's streaming parser and its {@link JsonLocation}s), and applies
 * {@code --set key.path=value} overrides to it.
 */
public final class ConfigParser {
    private static final YAMLFactory YAML = new YAMLFactory();
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS).enable(JsonReadFeature.ALLOW_TRAILING_COMMA).build();

    private ConfigParser() {}

    /** Parses a config file; its root must be a mapping. */
    public static Node.MapNode parseFile(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such config file");
        }
        String name = file.getFileName().toString();
        boolean json = name.toLowerCase(Locale.ROOT).endsWith(".json");
        Node root = parse(text, file.toString(), json);
        if (root == null) throw ConfigException.at(new Node.Loc(file.toString(), 1, 1), "", "the config is empty");
        if (!(root instanceof Node.MapNode m))
            throw ConfigException.at(root.loc(), "", "the config must be a mapping of sections (model, data, ...), got " + Node.describe(root));
        return m;
    }

    /** Parses a config held in a string (tests, {@code --set} values); {@code source} names it in errors. */
    public static Node parse(String text, String source, boolean json) {
        try (JsonParser p = (json ? JSON : YAML).createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) return null;
            Node n = read(p, source);
            if (p.nextToken() != null)
                throw ConfigException.at(loc(p, source), "", "unexpected content after the end of the config");
            return n;
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            Node.Loc loc = l == null ? new Node.Loc(source, 0, 0) : new Node.Loc(source, l.getLineNr(), l.getColumnNr());
            throw ConfigException.at(loc, "", (json ? "JSON" : "YAML") + " syntax error: "
                    + e.getOriginalMessage().lines().findFirst().orElse("").strip(), e);
        } catch (IOException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    private static Node.Loc loc(JsonParser p, String source) {
        JsonLocation l = p.currentTokenLocation();
        return new Node.Loc(source, l.getLineNr(), l.getColumnNr());
    }

    private static Node read(JsonParser p, String source) throws IOException {
        Node.Loc here = loc(p, source);
        switch (p.currentToken()) {
            case START_OBJECT -> {
                Node.MapNode m = new Node.MapNode(here);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    Node.Loc keyLoc = loc(p, source);
                    if (m.entries().containsKey(key))
                        throw ConfigException.at(keyLoc, key, "duplicate key (first given at line " + m.keyLoc(key).line() + ")");
                    p.nextToken();
                    m.put(key, read(p, source), keyLoc);
                }
                return m;
            }
            case START_ARRAY -> {
                Node.ListNode l = new Node.ListNode(here);
                while (p.nextToken() != JsonToken.END_ARRAY) l.items().add(read(p, source));
                return l;
            }
            case VALUE_NUMBER_INT -> {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER)
                    throw ConfigException.at(here, "", "integer " + p.getText() + " is too large");
                return new Node.Scalar(p.getLongValue(), here);
            }
            case VALUE_NUMBER_FLOAT -> { return new Node.Scalar(p.getDoubleValue(), here); }
            case VALUE_TRUE -> { return new Node.Scalar(Boolean.TRUE, here); }
            case VALUE_FALSE -> { return new Node.Scalar(Boolean.FALSE, here); }
            case VALUE_NULL -> { return new Node.Scalar(null, here); }
            case VALUE_STRING -> { return new Node.Scalar(p.getText(), here); }
            default -> throw ConfigException.at(here, "", "unsupported YAML content " + p.currentToken());
        }
    }

    // ---------------------------------------------------------------- --set

    private static final Pattern SEGMENT = Pattern.compile("([^.\\[\\]]+)|\\[(\\d+)]");

    /**
     * Applies {@code key.path=value}: the value is parsed as YAML ({@code 2} an integer, {@code true} a boolean,
     * {@code [a, b]} a list, empty null); missing mappings on the way are created; list items are addressed as
     * {@code layers.1} or {@code layers[1]}. A path through a scalar or past a list's end is an error naming it.
     */
    public static void applySet(Node.MapNode root, String assignment) {
        int eq = assignment.indexOf('=');
        Node.Loc loc = Node.Loc.of("--set " + assignment);
        if (eq <= 0) throw ConfigException.at(loc, "", "expected key.path=value");
        String path = assignment.substring(0, eq).strip(), text = assignment.substring(eq + 1);
        List<String> parts = segments(path, loc);
        Node value = text.isBlank() ? new Node.Scalar(null, loc) : relocate(parse(text, loc.source(), false), loc);
        Node cur = root;
        StringBuilder walked = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            String seg = parts.get(i);
            boolean last = i == parts.size() - 1;
            String here = walked.isEmpty() ? seg : walked + "." + seg;
            switch (cur) {
                case Node.MapNode m -> {
                    if (last) m.put(seg, value, loc);
                    else {
                        Node next = m.get(seg);
                        if (next == null || (next instanceof Node.Scalar s && s.isNull())) {
                            next = new Node.MapNode(loc);
                            m.put(seg, next, loc);
                        }
                        cur = next;
                    }
                }
                case Node.ListNode l -> {
                    int idx;
                    try {
                        idx = Integer.parseInt(seg);
                    } catch (NumberFormatException e) {
                        throw ConfigException.at(loc, here, "'" + walked + "' is a list; address its items by index (e.g. "
                                + walked + ".0)");
                    }
                    if (idx < 0 || idx >= l.items().size())
                        throw ConfigException.at(loc, here, "index " + idx + " is out of range for a list of " + l.items().size()
                                + " items (given at " + l.loc() + ")");
                    if (last) l.items().set(idx, value);
                    else cur = l.items().get(idx);
                }
                case Node.Scalar s -> throw ConfigException.at(loc, here, "'" + walked + "' is " + Node.describe(s)
                        + " (given at " + s.loc() + "), not a mapping");
            }
            walked.setLength(0);
            walked.append(here);
        }
    }

    private static List<String> segments(String path, Node.Loc loc) {
        List<String> out = new java.util.ArrayList<>();
        for (String dotted : path.split("\\.", -1)) {
            if (dotted.isEmpty()) throw ConfigException.at(loc, path, "empty key in the path");
            Matcher m = SEGMENT.matcher(dotted);
            int end = 0;
            while (m.find()) {
                if (m.start() != end) throw ConfigException.at(loc, path, "malformed key path");
                out.add(m.group(1) != null ? m.group(1) : m.group(2));
                end = m.end();
            }
            if (end != dotted.length()) throw ConfigException.at(loc, path, "malformed key path");
        }
        return out;
    }

    /** The same value with every location replaced by the {@code --set} argument's. */
    private static Node relocate(Node n, Node.Loc loc) {
        return switch (n) {
            case null -> new Node.Scalar(null, loc);
            case Node.Scalar s -> new Node.Scalar(s.value(), loc);
            case Node.ListNode l -> {
                Node.ListNode out = new Node.ListNode(loc);
                for (Node i : l.items()) out.items().add(relocate(i, loc));
                yield out;
            }
            case Node.MapNode m -> {
                Node.MapNode out = new Node.MapNode(loc);
                m.entries().forEach((k, v) -> out.put(k, relocate(v, loc), loc));
                yield out;
            }
        };
    }
}
