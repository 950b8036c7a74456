package io.peermesh.broadcast;

import java.util.ArrayList;
import java.util.List;

/**
 * Limits of broadcast ({@code p2p.broadcast.*}).
 *
 * @param maxPayloadBytes largest payload, as JSON in UTF-8
 * @param publishRate     broadcasts per second the local API may publish, sustained
 * @param publishBurst    burst allowance of publishRate
 * @param relayRate       broadcasts per second accepted from one peer (a burst of 10 seconds' worth)
 */
public record BroadcastConfig(int maxPayloadBytes, double publishRate, int publishBurst, double relayRate) {

    /** Room a broadcast line needs besides its payload: msgtype, origin, seq, a 128-char topic, sent. */
    public static final int ENVELOPE_BYTES = 512;

    // The defaults of p2p.broadcast.*, written once (issue #11): P2pConfig's @WithDefault uses these
    // strings and DEFAULTS parses them (ConfigDefaultsTest checks both read alike). They sit here, not
    // in io.peermesh.node.config.Defaults, because this package does not depend on the node's.

    /** 64 KiB lines (p2p.max-frame-bytes) less {@link #ENVELOPE_BYTES}, so that one message is one default frame. */
    public static final String DEFAULT_MAX_PAYLOAD_BYTES = "65024";
    public static final String DEFAULT_PUBLISH_RATE = "100";
    public static final String DEFAULT_PUBLISH_BURST = "200";
    public static final String DEFAULT_RELAY_RATE = "1000";

    public static final BroadcastConfig DEFAULTS = new BroadcastConfig(Integer.parseInt(DEFAULT_MAX_PAYLOAD_BYTES),
            Double.parseDouble(DEFAULT_PUBLISH_RATE), Integer.parseInt(DEFAULT_PUBLISH_BURST),
            Double.parseDouble(DEFAULT_RELAY_RATE));

    /**
     * This config with the payload bound lowered, if need be, so that a message fits in one frame
     * of {@code maxFrameBytes}: a larger one could never reach a peer.
     */
    public BroadcastConfig fittedTo(int maxFrameBytes) {
        int fits = maxFrameBytes - ENVELOPE_BYTES;
        return maxPayloadBytes <= fits ? this : new BroadcastConfig(Math.max(1, fits), publishRate, publishBurst, relayRate);
    }

    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (maxPayloadBytes < 1) {
            problems.add("p2p.broadcast.max-payload-bytes must be at least 1, was " + maxPayloadBytes);
        }
        if (!(publishRate > 0) || publishBurst < 1) {
            problems.add("p2p.broadcast.publish-rate must be > 0 and p2p.broadcast.publish-burst at least 1, were "
                    + publishRate + " and " + publishBurst);
        }
        if (!(relayRate > 0)) {
            problems.add("p2p.broadcast.relay-rate must be > 0, was " + relayRate);
        }
        return problems;
    }
}
