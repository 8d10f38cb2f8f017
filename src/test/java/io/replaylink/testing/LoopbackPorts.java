package io.replaylink.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for the servers the tests start (Redis, Kafka, nginx), taken below the kernel's ephemeral range
 * (32768 and up on Linux) and never handed out twice in one JVM.
 *
 * <p>Asking the kernel for port 0 and closing the socket is not enough: two such calls may return the same port (a
 * KRaft broker then refused to start with both listeners on one port), and a port above 55535 cannot run a Redis
 * Cluster node, whose bus port is the port plus 10000. Ports from here are also not taken meanwhile by the
 * ephemeral ends of the tests' own client connections, and a server restarted on its old port finds it free.
 */
public final class LoopbackPorts {
    private static final int FIRST = 20_000;
    private static final int END = 32_000;
    private static final int CLUSTER_BUS_OFFSET = 10_000;
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private LoopbackPorts() {
    }

    /** A port nobody listens on now and that this JVM has not handed out before. */
    public static int free() {
        return pick(FIRST, END, false);
    }

    /** A port for a Redis Cluster node: it and its bus port (the port plus 10000) are both free. */
    public static int freeForClusterNode() {
        return pick(FIRST, END - CLUSTER_BUS_OFFSET, true);
    }

    private static synchronized int pick(int from, int to, boolean withBusPort) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(from, to);
            if (HANDED_OUT.contains(port) || withBusPort && HANDED_OUT.contains(port + CLUSTER_BUS_OFFSET)
                    || !bindable(port) || withBusPort && !bindable(port + CLUSTER_BUS_OFFSET)) {
                continue;
            }
            HANDED_OUT.add(port);
            if (withBusPort) {
                HANDED_OUT.add(port + CLUSTER_BUS_OFFSET);
            }
            return port;
        }
        throw new IllegalStateException("no free loopback port in " + from + ".." + to);
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
