package io.peermesh.bench;

import java.util.Map;

/**
 * Heap and Netty buffers in use (from the app's /q/metrics), its RSS and its stream cut-off counter,
 * sampled; peaks per phase. Used from the bench thread only.
 */
final class AppMemory {

    static double mib(double bytes) {
        return bytes / (1 << 20);
    }

    private final AppProcess app;
    double cutoffs;
    private Peak peak = new Peak();

    AppMemory(AppProcess app) {
        this.app = app;
    }

    static final class Peak {
        double maxHeap;
        double maxPinned;
        double maxRss;

        Map<String, Object> map() {
            return Map.of("heapUsedPeakMiB", mib(maxHeap), "nettyBuffersInUsePeakMiB", mib(maxPinned), "rssPeakMiB", mib(maxRss));
        }
    }

    void sample() {
        String text = app.metrics();
        double heap = AppProcess.metric(text, "jvm_memory_used_bytes", "area=\"heap\"");
        double pinned = AppProcess.metric(text, "netty_allocator_memory_pinned", "");
        cutoffs = AppProcess.metric(text, "p2p_api_stream_cutoffs_total", "messages");
        peak.maxHeap = Math.max(peak.maxHeap, heap);
        peak.maxPinned = Math.max(peak.maxPinned, pinned);
        peak.maxRss = Math.max(peak.maxRss, app.rssBytes());
    }

    Peak takePeak() {
        Peak p = peak;
        peak = new Peak();
        return p;
    }
}
