package io.peermesh.api;

import java.util.Locale;

/**
 * Who may call the write endpoints ({@code p2p.api.writes}). Off by default: anyone who reaches
 * port 8080 of one pod could otherwise change its metadata or broadcast to the whole mesh.
 */
public enum WritePolicy {
    OFF,
    /** Only from 127.0.0.1 and ::1: an application in the same pod (the sidecar case). */
    LOOPBACK,
    ON;

    /** @throws IllegalArgumentException saying what to set */
    public static WritePolicy parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("Invalid peermesh configuration: p2p.api.writes must be off, loopback or on, was '"
                    + value + "'");
        }
    }

    /** Null when a request from {@code remoteHost} may write, else why not (for a 403). */
    public String refusal(String remoteHost) {
        return switch (this) {
            case ON -> null;
            case LOOPBACK -> isLoopback(remoteHost) ? null : "writes are allowed from loopback only (p2p.api.writes=loopback),"
                    + " and this request came from " + remoteHost;
            case OFF -> "writes are off: set p2p.api.writes (env P2P_API_WRITES) to loopback or on";
        };
    }

    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equals("127.0.0.1") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }
}
