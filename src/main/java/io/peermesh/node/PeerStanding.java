package io.peermesh.node;

import io.peermesh.runtime.TokenBucket;

/**
 * What the node has learnt about the peer on one connection, beyond its hello: how it got in
 * (by eviction, from an address with offences), how many other peers it reports, and the
 * address-exchange bookkeeping (an addr we asked for, the rate budget for the rest).
 *
 * <p>On the node's loop, owned by one {@link PeerConnection}.
 */
final class PeerStanding {

    private final ConnectionOwner owner;
    private boolean admittedByEviction; // a full node let it in by dropping another peer (Eviction)
    private boolean penalised; // arrived from an address with offences on record (Penalties): evicted first
    private int reportedPeers; // entries in the peer's latest answer to our getaddr: its other live peers
    private boolean addrExpected; // we sent getaddr; the next addr is its answer, exempt from the rate limit
    private TokenBucket addrBudget;

    PeerStanding(ConnectionOwner owner) {
        this.owner = owner;
    }

    boolean admittedByEviction() { return admittedByEviction; }
    void markAdmittedByEviction() { admittedByEviction = true; }
    boolean penalised() { return penalised; }
    void markPenalised() { penalised = true; }
    int reportedPeers() { return reportedPeers; }
    void reportedPeers(int count) { reportedPeers = count; }

    void expectAddr() {
        addrExpected = true;
    }

    /** Whether an addr now would answer our getaddr (without clearing the expectation). */
    boolean addrExpected() {
        return addrExpected;
    }

    /** Whether an addr was expected (answering our getaddr); clears the expectation. */
    boolean takeExpectedAddr() {
        boolean was = addrExpected;
        addrExpected = false;
        return was;
    }

    /** The addr rate limiter, made on the first unsolicited addr. */
    TokenBucket addrBudget() {
        if (addrBudget == null) {
            addrBudget = owner.addrBucket();
        }
        return addrBudget;
    }
}
