package io.peermesh.discovery;

/**
 * How a DNS lookup ended. EMPTY and FAILED are kept apart on purpose: "the name has no records"
 * (NXDOMAIN, no data) means nobody is there yet, "the lookup failed" (timeout, SERVFAIL, no
 * server) means we do not know, and must never be read as "no peers" (pain point 3).
 */
public enum LookupStatus {
    OK("ok"),
    EMPTY("empty"),
    FAILED("failed");

    private final String label;

    LookupStatus(String label) {
        this.label = label;
    }

    /** The metric label ({@code p2p_discovery_lookups_total{result}}). */
    public String label() {
        return label;
    }
}
