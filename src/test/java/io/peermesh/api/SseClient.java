package io.peermesh.api;

import static org.junit.jupiter.api.Assertions.fail;

import io.peermesh.node.Eventually;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A Server-Sent Events client for tests, as a browser's EventSource parses the stream: lines
 * {@code event:}, {@code id:}, {@code data:} up to a blank line make one event; {@code :} lines
 * are comments. A thread of its own reads the stream into a queue; every wait has a deadline.
 */
public final class SseClient implements AutoCloseable {

    /** One event; {@code name} is "message" when the stream gave none. */
    public record Event(String name, String id, String data) { }

    private static final Event END = new Event("<end of stream>", null, null);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private final Stream<String> lines;
    private final Thread reader;
    private final int status;
    private final String contentType;
    private volatile boolean ended;

    private SseClient(HttpResponse<Stream<String>> response) {
        this.status = response.statusCode();
        this.contentType = response.headers().firstValue("content-type").orElse("");
        this.lines = response.body();
        this.reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens {@code uri}; {@code lastEventId} null for a first connection. */
    public static SseClient open(URI uri, String lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        return new SseClient(HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofLines()));
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public List<String> comments() {
        return comments;
    }

    private void read() {
        String name = null, id = null;
        StringBuilder data = null;
        try {
            for (var it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(name == null ? "message" : name, id, data.toString()));
                    }
                    name = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).trim());
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "event" -> name = value;
                        case "id" -> id = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { } // retry and unknown fields: not used here
                    }
                }
            }
        } catch (RuntimeException closed) {
            // the stream was closed under the iterator (close() or the server went away)
        } finally {
            ended = true;
            events.add(END);
        }
    }

    /** The next event, or a failure naming {@code what} after {@code deadline}. */
    public Event next(String what, Duration deadline) throws InterruptedException {
        return until(what, e -> true, deadline).get(0);
    }

    /** Events up to and including the first that matches; fails at the deadline or the end of the stream. */
    public List<Event> until(String what, Predicate<Event> match, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        List<Event> seen = new ArrayList<>();
        while (true) {
            long left = end - System.nanoTime();
            Event e = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (e == null) {
                fail("no SSE event matching " + what + " within " + deadline + "; saw " + seen);
            }
            if (e == END) {
                events.add(END);
                fail("the stream ended before " + what + "; saw " + seen);
            }
            seen.add(e);
            if (match.test(e)) {
                return seen;
            }
        }
    }

    /** Every event until the server ends the stream; fails if it does not end by the deadline. */
    public List<Event> drainToEnd(Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        List<Event> seen = new ArrayList<>();
        while (true) {
            Event e = events.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                fail("the stream did not end within " + deadline + " (" + seen.size() + " events read)");
            }
            if (e == END) {
                events.add(END);
                return seen;
            }
            seen.add(e);
        }
    }

    /** Waits for a comment line starting with {@code prefix} (e.g. "subscribed": the stream is live). */
    public void awaitComment(String prefix, Duration deadline) {
        Eventually.await(deadline, () -> ended || comments.stream().anyMatch(c -> c.startsWith(prefix)),
                () -> "no comment '" + prefix + "'; saw " + comments);
        if (comments.stream().noneMatch(c -> c.startsWith(prefix))) {
            fail("the stream ended before a comment '" + prefix + "'; saw " + comments);
        }
    }

    public boolean ended() {
        return ended;
    }

    @Override
    public void close() throws InterruptedException {
        lines.close();
        reader.interrupt();
        reader.join(5_000);
    }
}
