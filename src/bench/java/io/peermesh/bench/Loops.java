package io.peermesh.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Waiting on futures from the bench thread, and event-loop contexts of their own for clients. */
final class Loops {

    private Loops() {
    }

    /** An empty verticle: deploying it yields a fresh event-loop context (the next loop, round robin). */
    static final class Ctx extends AbstractVerticle {
        Context context() {
            return context;
        }
    }

    static Context newContext(Vertx vertx) {
        Ctx c = new Ctx();
        await(vertx.deployVerticle(c), Duration.ofSeconds(10));
        return c.context();
    }

    /** Runs {@code action} on {@code ctx} and returns the future it produces. */
    static <T> Future<T> on(Context ctx, Supplier<Future<T>> action) {
        Promise<T> p = Promise.promise();
        ctx.runOnContext(v -> {
            try {
                action.get().onComplete(p);
            } catch (RuntimeException e) {
                p.fail(e);
            }
        });
        return p.future();
    }

    static <T> T await(Future<T> f, Duration timeout) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out after " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
