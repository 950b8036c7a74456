package io.peermesh.wire;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A node's metadata: string pairs it announces with itself ({@code zone}, {@code version}, the
 * address of its API, ...). Bounded so that a member record stays small enough to spread to
 * thousands of nodes: keys match {@value #KEY_PATTERN_TEXT}, and the keys and values together take at
 * most {@value #MAX_BYTES} bytes of UTF-8 (memberlist and Serf allow 512; users ask for more).
 * Immutable; keys sorted, so two nodes encode the same metadata the same way.
 */
public final class Metadata {

    public static final int MAX_BYTES = 4096;
    static final String KEY_PATTERN_TEXT = "[A-Za-z0-9._-]{1,64}";
    private static final Pattern KEY = Pattern.compile(KEY_PATTERN_TEXT);

    public static final Metadata EMPTY = new Metadata(new TreeMap<>(), 0);

    private final Map<String, String> pairs;
    private final int bytes;

    private Metadata(TreeMap<String, String> pairs, int bytes) {
        this.pairs = Collections.unmodifiableMap(pairs);
        this.bytes = bytes;
    }

    /**
     * The metadata of these pairs.
     *
     * @throws IllegalArgumentException naming the key that breaks a rule, or the size when all
     *         keys are fine but there is too much
     */
    public static Metadata of(Map<String, String> pairs) {
        TreeMap<String, String> sorted = new TreeMap<>();
        int bytes = 0;
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            String problem = keyProblem(e.getKey());
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("metadata key '" + e.getKey() + "' has no value (null)");
            }
            bytes += utf8(e.getKey()) + utf8(e.getValue());
            sorted.put(e.getKey(), e.getValue());
        }
        if (bytes > MAX_BYTES) {
            throw new TooLarge("metadata takes " + bytes + " bytes (keys and values in UTF-8), more than "
                    + MAX_BYTES);
        }
        return sorted.isEmpty() ? EMPTY : new Metadata(sorted, bytes);
    }

    /** Metadata over {@link #MAX_BYTES}: the keys were fine, there is too much (HTTP 413). */
    public static final class TooLarge extends IllegalArgumentException {
        TooLarge(String message) {
            super(message);
        }
    }

    /** Null when {@code key} is a valid key, else a sentence naming it and the rule. */
    public static String keyProblem(String key) {
        if (key == null || !KEY.matcher(key).matches()) {
            return "metadata key '" + (key == null ? "null" : clip(key)) + "' must match " + KEY_PATTERN_TEXT;
        }
        return null;
    }

    /** This metadata with {@code other}'s pairs on top (other wins on a shared key). */
    public Metadata with(Metadata other) {
        if (other.pairs.isEmpty()) {
            return this;
        }
        TreeMap<String, String> merged = new TreeMap<>(pairs);
        merged.putAll(other.pairs);
        return of(merged);
    }

    public Map<String, String> asMap() {
        return pairs;
    }

    /** Bytes of its keys and values in UTF-8: what {@link #MAX_BYTES} bounds. */
    public int bytes() {
        return bytes;
    }

    static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String clip(String s) {
        return s.length() <= 70 ? s : s.substring(0, 64) + "...";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Metadata m && m.pairs.equals(pairs);
    }

    @Override
    public int hashCode() {
        return pairs.hashCode();
    }

    @Override
    public String toString() {
        return pairs.toString();
    }
}
