package io.peermesh.api;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Observes the mesh's CDI events as an application would; keeps those a test asks about.
 * A singleton (no client proxy), so that the test reads these very fields.
 */
@Singleton
public class CdiProbe {

    static final String TOPIC = "cdi";

    final BlockingQueue<MembershipEvent> membership = new LinkedBlockingQueue<>();
    final BlockingQueue<MeshMessage> messages = new LinkedBlockingQueue<>();
    volatile String observerThread;

    void onMember(@Observes MembershipEvent e) {
        observerThread = Thread.currentThread().getName();
        membership.add(e);
    }

    void onMessage(@Observes MeshMessage m) {
        if (TOPIC.equals(m.topic())) { // other tests publish thousands on their own topics
            messages.add(m);
        }
    }
}
