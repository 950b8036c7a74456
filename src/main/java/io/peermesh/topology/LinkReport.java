package io.peermesh.topology;

import io.peermesh.wire.Message;
import java.util.List;

/**
 * What one node said of its links in its latest {@code links} summary (or, for this node, what it
 * sends): the summary's {@code seq}, its entries, and when it arrived here (epoch ms on this node's
 * clock, so "3 s ago" needs no trust in the sender's clock). Immutable.
 */
public record LinkReport(String nodeId, long seq, List<Message.LinkEntry> links, long receivedAtMillis) {

    public LinkReport {
        links = List.copyOf(links);
    }
}
