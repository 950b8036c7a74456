package io.peermesh.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One server-sent-events connection, read on a thread of its own into a queue and parsed as the
 * HTML spec says (event, id, data lines; a blank line ends an event; {@code :} starts a comment).
 * The test thread takes events with deadlines: {@link #await} consumes events until one matches,
 * and every event taken is kept in {@link #taken()}, in order, for later checks and for failure
 * messages. Comments are events too ({@link Event#comment()} set), so a test can wait for a
 * stream's {@code : subscribed} line before it makes anything the stream should show.
 */
public final class SseClient implements AutoCloseable {

    /** An event ({@code name} "message" when the server named none) or a comment ({@code name} null). */
    public record Event(String name, String id, String data, String comment) {
        @Override
        public String toString() {
            return comment != null ? ": " + comment : name + (id == null ? "" : " #" + id) + " " + data;
        }
    }

    /** Queued when the connection ends; never handed out by {@link #next}. */
    private static final Event END = new Event(null, null, null, null);

    private final String label;
    private final Stream<String> lines;
    private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final List<Event> taken = new ArrayList<>();
    private final Thread reader;
    private volatile boolean ended;

    private SseClient(String label, Stream<String> lines) {
        this.label = label;
        this.lines = lines;
        this.reader = new Thread(this::read, "sse " + label);
        reader.setDaemon(true); // a connection that never ends must not keep the test JVM alive
        reader.start();
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** Connects; fails unless the server answers 200 with {@code text/event-stream} within {@code timeout}. */
    public static SseClient open(String label, URI uri, Duration timeout) throws Exception {
        return open(HTTP, label, uri, null, timeout);
    }

    /** As a reconnecting EventSource: with {@code Last-Event-ID}. */
    public static SseClient open(String label, URI uri, String lastEventId, Duration timeout) throws Exception {
        return open(HTTP, label, uri, lastEventId, timeout);
    }

    /** Through {@code http}, with {@code Last-Event-ID} (null for none). */
    public static SseClient open(HttpClient http, String label, URI uri, String lastEventId, Duration timeout)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        HttpRequest request = b.GET().build();
        HttpResponse<Stream<String>> response = http.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (response.statusCode() != 200) {
            String body = String.join("\n", response.body().limit(20).toList());
            response.body().close();
            assertEquals(200, response.statusCode(), label + ": GET " + uri + " answered " + body);
        }
        String type = response.headers().firstValue("content-type").orElse("");
        if (!type.startsWith("text/event-stream")) {
            response.body().close();
            fail(label + ": GET " + uri + " answered content-type " + type);
        }
        return new SseClient(label, response.body());
    }

    private void read() {
        String name = null;
        String id = null;
        StringBuilder data = null;
        try {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data != null) {
                        queue.add(new Event(name == null ? "message" : name, id, data.toString(), null));
                    }
                    name = null;
                    data = null; // the spec keeps the last id for the next event; the node sets one on each anyway
                    continue;
                }
                if (line.startsWith(":")) {
                    queue.add(new Event(null, null, null, line.substring(1).strip()));
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                value = value.startsWith(" ") ? value.substring(1) : value;
                switch (field) {
                    case "event" -> name = value;
                    case "id" -> id = value;
                    case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    default -> { } // retry and unknown fields: nothing this test needs
                }
            }
        } catch (UncheckedIOException closedOrReset) {
            // the server went away or close() cancelled the body: the stream ends either way
        } finally {
            ended = true;
            queue.add(END);
        }
    }

    /** The next event within {@code timeout}, or null (also once the connection has ended). */
    public Event next(Duration timeout) throws InterruptedException {
        Event e = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (e == END) {
            queue.add(END); // stays at the head for the next caller
            return null;
        }
        if (e != null) {
            taken.add(e);
        }
        return e;
    }

    /** Takes events until one matches; fails with everything taken so far after {@code timeout}. */
    public Event await(String what, Duration timeout, Predicate<Event> match) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event e = left > 0 ? next(Duration.ofNanos(left)) : null;
            if (e != null && match.test(e)) {
                return e;
            }
            if (e == null) {
                throw new AssertionError(label + ": no event " + what + " within " + timeout.toSeconds() + " s"
                        + (ended ? " (the stream ended)" : "") + "; events so far:\n  " + describeTaken());
            }
        }
    }

    /** The next event that is not a comment. */
    public Event nextEvent(String what, Duration timeout) throws InterruptedException {
        return await(what, timeout, e -> e.comment() == null);
    }

    /** Takes events until a comment that starts with {@code prefix} (e.g. "subscribed": the stream is live). */
    public void awaitComment(String prefix, Duration timeout) throws InterruptedException {
        await("': " + prefix + "'", timeout, e -> e.comment() != null && e.comment().startsWith(prefix));
    }

    /** Every event and comment taken from the queue so far, in order. */
    public List<Event> taken() {
        return List.copyOf(taken);
    }

    /** The events taken so far, comments left out. */
    public List<Event> takenEvents() {
        return taken.stream().filter(e -> e.comment() == null).toList();
    }

    public String describeTaken() {
        return taken.isEmpty() ? "(none)" : String.join("\n  ", taken.stream().map(Event::toString).toList());
    }

    public boolean ended() {
        return ended;
    }

    /** Cancels the response body; the reader is interrupted in case it waits inside the client. */
    @Override
    public void close() throws InterruptedException {
        lines.close();
        reader.interrupt();
        reader.join(TimeUnit.SECONDS.toMillis(5));
    }
}
