package io.peermesh.node.events;

/**
 * A gray link: an address that is neither plainly up nor plainly down, as
 * {@code p2p_link_problems{problem}} and the {@code link} field of {@code /node/targets}.
 */
public enum LinkProblem {
    /**
     * TCP connects there, but no hello comes back within p2p.handshake-timeout: a proxy accepting on
     * behalf of a dead pod, or a hung process whose kernel still completes connects.
     */
    NO_HELLO("no_hello"),
    /** The node at that address dials this node fine, but this node's dials to it fail. */
    ONE_WAY("one_way");

    private final String label;

    LinkProblem(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
