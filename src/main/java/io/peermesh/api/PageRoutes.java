package io.peermesh.api;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The topology page (issue #14) lives in {@code META-INF/resources/ui/}; {@code /} shows it too, by
 * rerouting to {@code /ui/} inside the server (no redirect, one copy of the page).
 */
@ApplicationScoped
public class PageRoutes {

    void routes(@Observes Router router) {
        router.get("/").order(-1).handler(ctx -> ctx.reroute("/ui/"));
        router.get("/ui").order(-1).handler(ctx -> ctx.reroute("/ui/"));
    }
}
