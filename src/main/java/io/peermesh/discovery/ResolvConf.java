package io.peermesh.discovery;

import io.peermesh.wire.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of {@code /etc/resolv.conf} a pod's lookups depend on: name servers, search domains
 * and {@code ndots} (Kubernetes sets ndots:5 and search domains such as
 * {@code default.svc.cluster.local}, which is what makes the short name {@code peermesh-peers} work).
 */
public record ResolvConf(List<HostPort> nameservers, List<String> search, int ndots) {

    public ResolvConf {
        nameservers = List.copyOf(nameservers);
        search = List.copyOf(search);
    }

    public static ResolvConf read(Path path) throws IOException {
        return parse(Files.readAllLines(path));
    }

    public static ResolvConf parse(List<String> lines) {
        List<HostPort> servers = new ArrayList<>();
        List<String> search = new ArrayList<>();
        int ndots = 1;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] words = line.split("\\s+");
            switch (words[0]) {
                case "nameserver" -> {
                    if (words.length > 1) {
                        String host = words[1];
                        HostPort.parse(host.indexOf(':') >= 0 ? "[" + host + "]:53" : host + ":53").ifPresent(servers::add);
                    }
                }
                case "search", "domain" -> {
                    search.clear(); // the last search/domain line wins, as in glibc
                    for (int i = 1; i < words.length; i++) {
                        search.add(words[i].endsWith(".") ? words[i].substring(0, words[i].length() - 1) : words[i]);
                    }
                }
                case "options" -> {
                    for (int i = 1; i < words.length; i++) {
                        if (words[i].startsWith("ndots:")) {
                            try {
                                ndots = Math.max(0, Math.min(15, Integer.parseInt(words[i].substring(6))));
                            } catch (NumberFormatException e) {
                                // ignored, as the C library does
                            }
                        }
                    }
                }
                default -> {
                    // sortlist, lookup and others do not affect these lookups
                }
            }
        }
        return new ResolvConf(servers, search, ndots);
    }

    /** The names to query for {@code name}, in the order the C library would try them. */
    public List<String> candidates(String name) {
        if (name.endsWith(".")) {
            return List.of(name.substring(0, name.length() - 1));
        }
        long dots = name.chars().filter(c -> c == '.').count();
        List<String> out = new ArrayList<>();
        if (dots >= ndots) {
            out.add(name);
        }
        for (String domain : search) {
            out.add(name + "." + domain);
        }
        if (dots < ndots) {
            out.add(name);
        }
        return out;
    }
}
