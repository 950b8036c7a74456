package io.peermesh.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

/**
 * A throwaway registry of the same shape as the application's (a composite of the same kinds of
 * registries), for the {@link RttWarmup} helpers: the JIT then compiles the metrics calls on the
 * ping path for the meter classes the node will use, and the application's registry never sees a
 * helper's meters.
 */
final class ScratchRegistry {

    private ScratchRegistry() {
    }

    static MeterRegistry like(MeterRegistry registry) {
        if (registry instanceof CompositeMeterRegistry composite) {
            CompositeMeterRegistry copy = new CompositeMeterRegistry();
            composite.getRegistries().forEach(r -> copy.add(like(r)));
            return copy;
        }
        if (registry instanceof PrometheusMeterRegistry) {
            return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        }
        return new SimpleMeterRegistry();
    }
}
