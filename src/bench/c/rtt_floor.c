/*
 * The process-level RTT floor of the benchmark's rttproc section (README "Performance"): two small
 * processes doing a TCP ping-pong of the node's own ping line on loopback, at the node's interval,
 * with no runtime of their own to warm up. Built by the benchmark with the system's gcc.
 *
 *   rtt_floor server PORT              answers every ping line with the pong line of the same nonce
 *   rtt_floor client PORT INTERVAL_MS  every INTERVAL_MS sends a ping and, on its pong, a second
 *                                      one; prints both round trips (ns: "rtt", "rtt2")
 *
 * The client takes its timestamps right before write() and right after the read() that completes
 * the pong line, as close to the socket as a user process can: what remains is the kernel's
 * loopback path and the two wake-ups, which the node pays too. TCP_NODELAY on both ends, as the
 * node sets it. Both stop at end of input (the server when its client goes, the client when stdin
 * closes), so the benchmark's exit ends them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Reads until a full line is in buf; returns its length with the newline, 0 at end of stream. */
static int read_line(int fd, char *buf, int cap, int *have) {
    for (;;) {
        char *nl = memchr(buf, '\n', *have);
        if (nl) {
            return (int) (nl - buf) + 1;
        }
        if (*have == cap) {
            return -1;
        }
        ssize_t n = read(fd, buf + *have, cap - *have);
        if (n <= 0) {
            return n < 0 && errno == EINTR ? read_line(fd, buf, cap, have) : 0;
        }
        *have += (int) n;
    }
}

static void consume(char *buf, int *have, int len) {
    memmove(buf, buf + len, *have - len);
    *have -= len;
}

static int server(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(s, (struct sockaddr *) &a, sizeof a) || listen(s, 1)) {
        perror("bind/listen");
        return 1;
    }
    socklen_t alen = sizeof a;
    getsockname(s, (struct sockaddr *) &a, &alen);
    printf("listening %d\n", ntohs(a.sin_port));
    fflush(stdout);
    int c = accept(s, NULL, NULL);
    nodelay(c);
    char buf[4096];
    int have = 0, len;
    while ((len = read_line(c, buf, sizeof buf, &have)) > 0) {
        /* {"msgtype":"ping",... -> {"msgtype":"pong",...: the same bytes, one letter changed */
        if (len > 14 && buf[12] == 'p' && buf[13] == 'i') {
            buf[13] = 'o';
        }
        if (write(c, buf, len) != len) {
            break;
        }
        consume(buf, &have, len);
    }
    return 0;
}

static int client(int port, int interval_ms) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(c, (struct sockaddr *) &a, sizeof a)) {
        perror("connect");
        return 1;
    }
    nodelay(c);
    char buf[4096], line[128];
    int have = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (uint64_t seq = 1;; seq++) {
        next.tv_sec += interval_ms / 1000;
        next.tv_nsec += (interval_ms % 1000) * 1000000L;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        /* Sleep until the next send, or stop when stdin closes (the benchmark is done). */
        struct pollfd p = {.fd = 0, .events = POLLIN};
        for (;;) {
            long long wait = ((long long) next.tv_sec * 1000000000LL + next.tv_nsec - now_ns()) / 1000000;
            if (wait <= 0) {
                break;
            }
            if (poll(&p, 1, (int) wait) > 0) {
                char junk[64];
                if (read(0, junk, sizeof junk) <= 0) {
                    return 0;
                }
            }
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        int n = snprintf(line, sizeof line, "{\"msgtype\":\"ping\",\"nonce\":\"%016llx\"}\n", (unsigned long long) seq * 0x9e3779b97f4a7c15ULL);
        long long t0 = now_ns();
        if (write(c, line, n) != n) {
            return 1;
        }
        int len = read_line(c, buf, sizeof buf, &have);
        long long t1 = now_ns();
        if (len <= 0) {
            return 1;
        }
        consume(buf, &have, len);
        /* The second ping of a pair, sent as soon as the first's pong is read: both ends are awake
         * now, as for the node's follow-up ping (p2p.ping-follow-up). */
        n = snprintf(line, sizeof line, "{\"msgtype\":\"ping\",\"nonce\":\"%016llx\"}\n", (unsigned long long) ~seq * 0x9e3779b97f4a7c15ULL);
        long long t2 = now_ns();
        if (write(c, line, n) != n) {
            return 1;
        }
        len = read_line(c, buf, sizeof buf, &have);
        long long t3 = now_ns();
        if (len <= 0) {
            return 1;
        }
        consume(buf, &have, len);
        printf("rtt %lld\nrtt2 %lld\n", t1 - t0, t3 - t2);
        fflush(stdout);
    }
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "server") == 0) {
        return server(atoi(argv[2]));
    }
    if (argc == 4 && strcmp(argv[1], "client") == 0) {
        return client(atoi(argv[2]), atoi(argv[3]));
    }
    fprintf(stderr, "usage: rtt_floor server PORT | client PORT INTERVAL_MS\n");
    return 2;
}
