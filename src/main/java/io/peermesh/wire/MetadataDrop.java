package io.peermesh.wire;

/**
 * Why metadata a peer sent was dropped rather than stored (the metric label): the connection and
 * the rest of the message are kept, only the metadata is not.
 */
public enum MetadataDrop {
    /** More than {@link Metadata#MAX_BYTES} of keys and values. */
    OVERSIZE("oversize"),
    /** Not an object of strings, or a key breaking the key rule. */
    INVALID("invalid");

    private final String label;

    MetadataDrop(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
