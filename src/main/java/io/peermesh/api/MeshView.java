package io.peermesh.api;

import io.peermesh.members.Member;
import io.peermesh.node.view.Readiness;
import io.peermesh.topology.LinkReport;
import io.peermesh.topology.LinkSummaries;
import io.peermesh.wire.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /mesh} (issue #14): the whole mesh as this node knows it, for the topology page and any
 * other tool. Members are this node's member list plus the nodes only its peers report (state
 * {@code reported}: a peer links to them, this node does not); links are what each node said of its
 * own links in its latest summary, one entry per reporting node and peer, so a pair usually appears
 * twice (A's view and B's): {@code from} measured the RTT and loss. Pure: built from values.
 */
public record MeshView(
        String self,
        String generatedAt,
        boolean ready,
        String reason,
        List<String> problems,
        List<MeshMember> members,
        List<MeshLink> links) {

    /** A member; {@code id} is the node id's first 8 characters, as the page shows it. */
    public record MeshMember(String nodeid, String id, String addr, String state, String lastHeard,
            Map<String, String> metadata, boolean self, boolean direct, Long reportAgeMillis) {
    }

    /**
     * One link as {@code from} reported it: {@code to} (null when that address never answered with
     * a node id), {@code addr}, {@code state} ({@code up} or why not), {@code rttMillis} (smoothed),
     * {@code loss} (0..1), and {@code ageMillis}, how long ago the report arrived here.
     */
    public record MeshLink(String from, String to, String addr, String state, Double rttMillis, Double loss,
            long ageMillis) {
    }

    static String shortId(String nodeId) {
        return nodeId == null ? null : nodeId.substring(0, Math.min(8, nodeId.length()));
    }

    static MeshView of(String self, List<Member> members, LinkSummaries.Snapshot links, Readiness readiness, long nowMillis) {
        Map<String, LinkReport> reports = new LinkedHashMap<>();
        if (links != null) {
            if (links.own() != null) {
                reports.put(self, links.own());
            }
            links.reported().forEach(reports::putIfAbsent);
        }
        Map<String, MeshMember> out = new LinkedHashMap<>();
        for (Member m : members) {
            LinkReport r = reports.get(m.nodeid());
            out.put(m.nodeid(), new MeshMember(m.nodeid(), shortId(m.nodeid()), m.addr(), m.state(), m.lastHeard(),
                    m.metadata(), m.self(), m.direct(), age(r, nowMillis, m.self())));
        }
        List<MeshLink> linkList = new ArrayList<>();
        for (LinkReport r : reports.values()) {
            MeshMember reporter = out.get(r.nodeId());
            if (reporter != null && ("dead".equals(reporter.state()) || "left".equals(reporter.state()))) {
                continue; // its last report (kept a while) no longer describes the mesh
            }
            long age = Math.max(0, nowMillis - r.receivedAtMillis());
            for (Message.LinkEntry e : r.links()) {
                linkList.add(new MeshLink(r.nodeId(), e.nodeId(), e.addr(), e.state().label(), e.rttMillis(), e.loss(), age));
                if (e.nodeId() != null && !out.containsKey(e.nodeId())) {
                    // Known only from a peer's report: it links to that node, this one does not (a partial mesh).
                    out.put(e.nodeId(), new MeshMember(e.nodeId(), shortId(e.nodeId()), e.addr(), "reported", null,
                            Map.of(), false, false, age(reports.get(e.nodeId()), nowMillis, false)));
                }
            }
        }
        return new MeshView(self, Instant.ofEpochMilli(nowMillis).toString(), readiness.ready(),
                readiness.ready() ? null : readiness.reason(), readiness.problems(), List.copyOf(out.values()), linkList);
    }

    private static Long age(LinkReport r, long nowMillis, boolean self) {
        return r == null || self ? null : Math.max(0, nowMillis - r.receivedAtMillis());
    }
}
