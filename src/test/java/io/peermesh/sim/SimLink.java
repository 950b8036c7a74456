package io.peermesh.sim;

import io.peermesh.runtime.Link;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;

/**
 * One end of a simulated TCP connection. What one end writes arrives at the other in order, after
 * the network's latency (a later segment never overtakes an earlier one of the same direction),
 * and waits while a partition blocks the direction; a close arrives after the data written before
 * it. Bytes written and not yet read by the other end are what the write-queue bound counts, less
 * an allowance for the kernel's socket buffers.
 */
final class SimLink implements Link {

    /** Socket buffers (send + receive) that absorb a stalled reader before the write queue fills. */
    static final int KERNEL_BUFFER_BYTES = 256 * 1024;

    private final SimNetwork net;
    private final SimLoop owner;
    private final String localAddress;
    private final String remoteAddress;
    private final String remoteIp;
    SimLink peer;
    private Handler handler;
    private int maxWriteQueueBytes = Integer.MAX_VALUE;
    private boolean localClosed;
    private boolean notifiedClosed;
    private boolean pausedByReader;
    private final ArrayDeque<Buffer> unread = new ArrayDeque<>(); // arrived while paused or before open
    private boolean closeArrived;
    /** Bytes this end wrote that the other end has not handed to its reader yet. */
    long inFlightBytes;
    /** When the last segment of this direction (this end to its peer) is due: FIFO. */
    long lastDueNanos;

    SimLink(SimNetwork net, SimLoop owner, String localAddress, String remoteAddress) {
        this.net = net;
        this.owner = owner;
        this.localAddress = localAddress;
        this.remoteAddress = remoteAddress;
        this.remoteIp = remoteAddress.substring(0, remoteAddress.lastIndexOf(':'));
    }

    SimLoop owner() {
        return owner;
    }

    String localAddress() {
        return localAddress;
    }

    @Override
    public void open(Handler handler, int maxWriteQueueBytes) {
        this.handler = handler;
        this.maxWriteQueueBytes = maxWriteQueueBytes;
        drain();
    }

    @Override
    public boolean write(Buffer data) {
        if (localClosed || peer == null) {
            return true;
        }
        Buffer copy = data.copy();
        inFlightBytes += copy.length();
        net.send(this, copy);
        boolean alive = !peer.localClosed && !net.isGone(peer.owner);
        return !(alive && inFlightBytes > (long) maxWriteQueueBytes + KERNEL_BUFFER_BYTES);
    }

    /** A segment from the peer arrives (on this end's loop). */
    void arrive(Buffer data) {
        if (localClosed) {
            peer.inFlightBytes -= data.length();
            return;
        }
        unread.add(data);
        drain();
    }

    /** The peer's FIN or RST arrives, after everything it sent before. */
    void closeArrives() {
        closeArrived = true;
        drain();
    }

    private void drain() {
        while (handler != null && !pausedByReader && !unread.isEmpty() && !localClosed) {
            Buffer b = unread.poll();
            peer.inFlightBytes -= b.length();
            handler.onData(b, owner.nanoTime()); // virtual time: when the reader gets it
        }
        if (closeArrived && unread.isEmpty() || closeArrived && localClosed) {
            closedNow();
        }
    }

    @Override
    public void pause() {
        pausedByReader = true;
    }

    @Override
    public void resume() {
        pausedByReader = false;
        if (!unread.isEmpty() || closeArrived) {
            owner.execute(this::drain);
        }
    }

    @Override
    public void close() {
        if (localClosed) {
            return;
        }
        localClosed = true;
        unread.clear();
        if (peer != null) {
            net.sendClose(this);
        }
        owner.execute(this::closedNow); // Vert.x reports our own close on the next turn of the loop
    }

    /** The process holding this end died: the peer gets a reset; nothing reaches this end any more. */
    void crash() {
        localClosed = true;
        notifiedClosed = true;
        unread.clear();
        net.sendClose(this);
        net.forget(this);
    }

    private void closedNow() {
        if (notifiedClosed) {
            return;
        }
        notifiedClosed = true;
        localClosed = true;
        net.forget(this);
        if (handler != null) {
            handler.onClosed();
            net.closed(owner, handler);
        }
    }

    boolean closed() {
        return notifiedClosed;
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String remoteIp() {
        return remoteIp;
    }

    @Override
    public String toString() {
        return localAddress + "->" + remoteAddress;
    }
}
