package io.peermesh.service;

import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Keeps addresses out of the exported metrics. Vert.x's own TCP metrics are tagged with the
 * server's host and port; the peer protocol's traffic is already counted by {@code p2p_*} meters
 * whose labels can only take enum values, so the {@code tcp_*} series are dropped.
 */
public class MetricsFilters {

    @Produces
    @Singleton
    public MeterFilter dropAddressTaggedTcpMeters() {
        return MeterFilter.denyNameStartsWith("tcp.");
    }
}
