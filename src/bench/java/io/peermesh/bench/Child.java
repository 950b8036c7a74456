package io.peermesh.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A child JVM the benchmark started (same java, same classpath): commands go to its stdin, its
 * stdout lines come back, its stderr goes to a log file. Closing it sends "exit", then SIGTERM,
 * then SIGKILL, to this process only.
 */
final class Child implements AutoCloseable {

    final String name;
    final Process process;
    private final Writer in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private volatile Consumer<String> listener;

    private Child(String name, Process process, Consumer<String> listener) {
        this.name = name;
        this.process = process;
        this.listener = listener;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    listener.accept(line);
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child is gone
            }
        }, "child-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    static Child start(String name, Class<?> main, List<String> jvmArgs, List<String> args, Path log) throws IOException {
        return start(name, System.getProperty("java.class.path"), main.getName(), jvmArgs, args, log, l -> { });
    }

    /**
     * A child with a class path of its own (the competitors' members get only their library's jar)
     * and a listener that sees every line from the first one on.
     */
    static Child start(String name, String classPath, String main, List<String> jvmArgs, List<String> args, Path log,
            Consumer<String> listener) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(main);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
        return new Child(name, pb.start(), listener);
    }

    /** Called on the reader thread for every line (in addition to the queue that {@link #await} reads). */
    void listen(Consumer<String> l) {
        listener = l;
    }

    synchronized void send(String command) {
        try {
            in.write(command + "\n");
            in.flush();
        } catch (IOException e) {
            throw new IllegalStateException(name + " does not take commands: " + e.getMessage(), e);
        }
    }

    /** Waits for a line matching {@code match}, skipping others. */
    String await(Predicate<String> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IllegalStateException(name + ": no expected line within " + timeout
                        + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")"));
            }
            if (match.test(line)) {
                return line;
            }
        }
    }

    void clearLines() {
        lines.clear();
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                try {
                    send("exit");
                } catch (IllegalStateException e) {
                    // stdin already closed
                }
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroy();
                    if (!process.waitFor(5, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                        process.waitFor(5, TimeUnit.SECONDS);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }
}
