package io.peermesh.members;

import java.util.Map;

/**
 * One member as {@code GET /members} and the event streams show it. {@code addr} is where it
 * listens ({@code host:port}, null when it announced none); {@code lastHeard} an ISO-8601 instant;
 * {@code direct} true when this node holds a link to it; {@code rttMillis} the link's smoothed
 * round trip (null without a link or before the first pong); {@code self} marks this node's own record.
 */
public record Member(
        String nodeid,
        String addr,
        String state,
        long incarnation,
        String lastHeard,
        boolean direct,
        Double rttMillis,
        Map<String, String> metadata,
        boolean self) {
}
