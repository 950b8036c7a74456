package io.peermesh.bench.rivals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.TreeSet;

/**
 * What a competitor member tells the benchmark (ProcessBench), one flushed line each on stdout:
 * <pre>
 * JOINED &lt;epoch-ms&gt; &lt;self&gt; &lt;n&gt; &lt;id,id,...&gt;   once the library's join call has returned, with the view then
 * VIEW &lt;epoch-ms&gt; &lt;n&gt; &lt;id,id,...&gt;            on every view change the library reports
 * </pre>
 * The benchmark reads the time from the line, not from when it got it, so a member's own
 * timestamp is the moment of the change. Ids are stable for the life of the process (a JGroups
 * logical name, a Hazelcast member's address), so a member that is dropped and comes back has the
 * same id. The library's own logs go to stderr. Only the JDK and the library are on the class path.
 */
final class MemberLines {

    private MemberLines() {
    }

    static synchronized void joined(String self, Collection<String> view) {
        System.out.println("JOINED " + System.currentTimeMillis() + " " + self + " " + view.size() + " " + join(view));
        System.out.flush();
    }

    static synchronized void view(Collection<String> view) {
        System.out.println("VIEW " + System.currentTimeMillis() + " " + view.size() + " " + join(view));
        System.out.flush();
    }

    private static String join(Collection<String> ids) {
        return String.join(",", new TreeSet<>(ids));
    }

    /**
     * Reads commands from stdin on a thread of its own: "exit" (or the end of stdin, when the
     * benchmark is gone) runs {@code leave} (a graceful leave of the cluster) and exits the JVM.
     */
    static void exitOnCommand(Runnable leave) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null && !line.trim().equals("exit")) {
                    // nothing else is understood
                }
            } catch (IOException e) {
                // stdin gone: same as exit
            }
            try {
                leave.run();
            } finally {
                System.exit(0);
            }
        }, "member-stdin");
        t.setDaemon(true);
        t.start();
    }
}
