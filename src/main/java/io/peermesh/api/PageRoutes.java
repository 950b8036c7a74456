package io.peermesh.api;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The topology page (issue #14) lives in {@code META-INF/resources/ui/}; {@code /} shows it too, by
 * rerouting to {@code /ui/} inside the server (no redirect, one copy of the page). Only {@code /}:
 * a Vert.x route for {@code /ui} would also match {@code /ui/} (trailing slashes match) and reroute
 * to itself forever.
 */
@ApplicationScoped
public class PageRoutes {

    void routes(@Observes Router router) {
        router.get("/").order(-1).handler(ctx -> ctx.reroute("/ui/"));
    }
}
