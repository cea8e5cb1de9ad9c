package dev.nabla.train;

import dev.nabla.io.Json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The per-epoch figures of a run (Keras's {@code History}), writable as CSV and JSON. */
public final class History {
    private final List<Map<String, Double>> epochs = new ArrayList<>();

    public void add(Map<String, Double> logs) {
        epochs.add(Collections.unmodifiableMap(new LinkedHashMap<>(logs)));
    }

    void removeLast() {
        epochs.removeLast();
    }

    public List<Map<String, Double>> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    public int size() {
        return epochs.size();
    }

    /** The values of one figure over epochs (NaN where an epoch lacks it). */
    public double[] series(String key) {
        double[] v = new double[epochs.size()];
        for (int i = 0; i < v.length; i++) v[i] = epochs.get(i).getOrDefault(key, Double.NaN);
        return v;
    }

    /** Every key that appears, in first-seen order. */
    public Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        for (Map<String, Double> e : epochs) keys.addAll(e.keySet());
        return keys;
    }

    /** "epoch,loss,accuracy,..." then one row per epoch. */
    public String toCsv() {
        List<String> keys = new ArrayList<>(keys());
        keys.remove("epoch");
        StringBuilder b = new StringBuilder("epoch");
        for (String k : keys) b.append(',').append(k);
        b.append('\n');
        for (int i = 0; i < epochs.size(); i++) {
            Map<String, Double> e = epochs.get(i);
            b.append(e.containsKey("epoch") ? String.valueOf(e.get("epoch").intValue()) : String.valueOf(i + 1));
            for (String k : keys) {
                Double v = e.get(k);
                b.append(',');
                if (v != null && !v.isNaN()) b.append(String.format(Locale.ROOT, "%.8g", v));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** A JSON list of per-epoch objects (NaN and infinities become null). */
    public String toJson() {
        List<Object> out = new ArrayList<>();
        for (Map<String, Double> e : epochs) {
            Map<String, Object> m = new LinkedHashMap<>();
            e.forEach((k, v) -> m.put(k, v == null || v.isNaN() || v.isInfinite() ? null : v));
            out.add(m);
        }
        return Json.write(out);
    }

    @SuppressWarnings("unchecked")
    static History fromJson(String json) {
        History h = new History();
        for (Object o : (List<Object>) Json.parse(json)) {
            Map<String, Double> m = new LinkedHashMap<>();
            ((Map<String, Object>) o).forEach((k, v) -> m.put(k, v == null ? Double.NaN : ((Number) v).doubleValue()));
            h.add(m);
        }
        return h;
    }
}
