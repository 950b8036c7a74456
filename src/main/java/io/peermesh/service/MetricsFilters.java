package io.peermesh.service;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The JVM meters the dashboard uses, and nothing more: Quarkus' own binders are off
 * ({@code quarkus.micrometer.binder-enabled-default=false} in application.properties), since
 * their JVM, system, HTTP-server, Vert.x and Netty meters cost a start ~600 classes and were
 * exported to no one (issue #15). Quarkus binds every {@link MeterBinder} bean to its registry:
 * {@code jvm_memory_used_bytes} (and the other {@code jvm_memory_*} and {@code jvm_buffer_*} series) and
 * {@code process_cpu_usage} (with {@code system_cpu_*}) stay, see {@code PromQlTest.JVM_METRICS}.
 *
 * <p>Also keeps addresses out of the exported metrics. Vert.x's own TCP metrics are tagged with the
 * server's host and port; the peer protocol's traffic is already counted by {@code p2p_*} meters
 * whose labels can only take enum values, so the {@code tcp_*} series are dropped.
 */
public class MetricsFilters {

    @Produces
    @Singleton
    public MeterBinder jvmMemory() {
        return new JvmMemoryMetrics();
    }

    @Produces
    @Singleton
    public MeterBinder processor() {
        return new ProcessorMetrics();
    }

    @Produces
    @Singleton
    public MeterFilter dropAddressTaggedTcpMeters() {
        return MeterFilter.denyNameStartsWith("tcp.");
    }
}
