package io.peermesh.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the Linux kernel says about loopback TCP sockets ({@code /proc/net/tcp} and {@code tcp6}),
 * for tests that must know that a segment (e.g. a reset) has reached a socket whose owner cannot be
 * asked because its event loop is held.
 */
final class TcpTable {

    private static final String ESTABLISHED = "01";

    private TcpTable() {
    }

    /** Whether a socket with this local port and this remote port is in state ESTABLISHED. */
    static boolean connected(int localPort, int remotePort) {
        String local = String.format(Locale.ROOT, ":%04X ", localPort);
        String remote = String.format(Locale.ROOT, ":%04X ", remotePort);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue; // no IPv6, or not Linux
            }
            for (String line : lines) {
                // "  sl  local_address rem_address   st ...": the state is the 4th column.
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && (f[1] + " ").endsWith(local) && (f[2] + " ").endsWith(remote)
                        && f[3].equals(ESTABLISHED)) {
                    return true;
                }
            }
        }
        return false;
    }
}
