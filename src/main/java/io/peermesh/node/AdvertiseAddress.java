package io.peermesh.node;

import io.peermesh.wire.HostPort;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;

/**
 * The address a node announces when {@code p2p.advertise} is not set: the bind host when it is a
 * specific address, otherwise the first IPv4 address of an up, non-loopback interface (a pod has
 * exactly one), falling back to 127.0.0.1 on a machine without a network.
 */
final class AdvertiseAddress {

    private AdvertiseAddress() {
    }

    static HostPort derive(String bindHost, int boundPort) {
        if (!isWildcard(bindHost)) {
            return new HostPort(bindHost, boundPort);
        }
        return new HostPort(firstSiteAddress(), boundPort);
    }

    static boolean isWildcard(String host) {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static String firstSiteAddress() {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback() || nic.isVirtual()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            // fall through to loopback: the node still works for peers on this machine
        }
        return "127.0.0.1";
    }
}
