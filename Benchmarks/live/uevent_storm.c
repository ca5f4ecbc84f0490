/*
 * uevent_storm.c: injects a storm of synthetic kernel uevents into the CURRENT network namespace.
 * Run it inside the receiver's namespace (bench_live.py uses `nsenter -t PID -n`), never in the host
 * namespace: the kernel re-broadcasts each message to every NETLINK_KOBJECT_UEVENT group-1 listener of
 * that namespace (udevd included) as a real kernel uevent, with SEQNUM appended. Nothing touches /sys or
 * any real device.
 *
 *   uevent_storm [-n EVENTS] [-m addremove|probe|add] [-k POOL] [-g GAP_EVERY] [-p PREFIX] [-s SENTINEL_DEVPATH]
 *                [-r RATE] [-o OFFSET] [-S SUBSYSTEM]
 *
 * -n   storm size: exactly EVENTS uevents are sent, then one sentinel (default 100000)
 * -m   addremove (default): event i is add/remove (alternating) of PREFIX/d<i/2>, SUBSYSTEM=pwbench;
 *      every device is new.
 *      probe: event 0 registers driver "pwdrv" (add@/bus/pwbus/drivers/pwdrv, SUBSYSTEM=drivers), then
 *      cycles of add, bind (DRIVER=pwdrv), unbind, remove of PREFIX/d<c % POOL>, SUBSYSTEM=pwbus, so the
 *      daemon sees driver matches, pending probes and completed probes.
 *      add: event i is add of PREFIX/d<i>, SUBSYSTEM=pwbench (or -S), MODALIAS=<SUBSYSTEM>:d<i>: every
 *      event adds one more device that stays (Benchmarks/memory).
 * -k   device pool for -m probe (default 256)
 * -g   after every GAP_EVERY storm events, send one extra uevent into a second, private and empty network
 *      namespace: it consumes a global SEQNUM, so the receiver sees a SEQNUM gap there, as a host daemon
 *      does while containers create network devices (default 0: no gaps)
 * -p   devpath prefix (default /devices/virtual/pwbench)
 * -s   after the storm, send the sentinel: 3 uevents, driver "pwsentinel" registers
 *      (add@/bus/pwsentinel/drivers/pwsentinel), add@SENTINEL_DEVPATH and bind@SENTINEL_DEVPATH
 *      (SUBSYSTEM=pwsentinel, DRIVER=pwsentinel). Receivers stop timing at that bind; it also makes probewatch
 *      write a `probe` record, so the end is visible with --no-event-records too
 * -r   events per second (default 0: as fast as possible)
 * -o   index offset for addremove and add: device numbers start at OFFSET/2 (addremove) or OFFSET (add),
 *      so consecutive runs create ever-new devices (default 0)
 * -S   SUBSYSTEM for addremove and add (default pwbench)
 * A send that fails with ENOBUFS or EAGAIN is retried after 100 us (counted as enobufs_retries). The kernel
 * does not tell the sender when a listener's buffer overflowed (that listener loses the event and gets
 * ENOBUFS from recvmsg): the receiver's drops show in the Drops column of /proc/PID/net/netlink.
 * Prints "SENT events=<n> sentinel=<0|1> errors=<n> enobufs_retries=<n> seconds=<wall>" on stdout.
 *
 * Build: gcc -O2 -Wall -o uevent_storm uevent_storm.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif

static int fd, gap_fd = -1;
static uint32_t seq;
static unsigned long errors, retries;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Appends "<key><value>\0" at *off; -1 if it does not fit. */
static int put(char *buf, size_t cap, size_t *off, const char *key, const char *value) {
    int n = snprintf(buf + *off, cap - *off, "%s%s", key, value);
    if (n < 0 || (size_t)n >= cap - *off) return -1;
    *off += (size_t)n + 1; /* keep the NUL */
    return 0;
}

/* "<action>@<devpath>\0ACTION=..\0DEVPATH=..\0SUBSYSTEM=..\0" then KEY=VALUE pairs (NULL-terminated
 * list of "KEY=", "value" strings). The kernel appends SEQNUM=. */
static int send_event_on(int sock, const char *action, const char *devpath, const char *subsystem, ...) {
    char buf[4096];
    size_t off = sizeof(struct nlmsghdr);
    char header[64];
    snprintf(header, sizeof header, "%s@", action);
    if (put(buf, sizeof buf, &off, header, devpath) < 0 ||
        put(buf, sizeof buf, &off, "ACTION=", action) < 0 ||
        put(buf, sizeof buf, &off, "DEVPATH=", devpath) < 0 ||
        put(buf, sizeof buf, &off, "SUBSYSTEM=", subsystem) < 0)
        return -1;
    va_list ap;
    va_start(ap, subsystem);
    for (const char *key; (key = va_arg(ap, const char *)) != NULL;) {
        const char *value = va_arg(ap, const char *);
        if (put(buf, sizeof buf, &off, key, value) < 0) { va_end(ap); return -1; }
    }
    va_end(ap);

    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    h->nlmsg_len = (uint32_t)off;
    h->nlmsg_type = 0x14;
    h->nlmsg_flags = NLM_F_REQUEST;
    h->nlmsg_seq = ++seq;
    h->nlmsg_pid = 0;
    struct sockaddr_nl dst = { .nl_family = AF_NETLINK, .nl_pid = 0, .nl_groups = 0 };
    for (;;) {
        ssize_t w = sendto(sock, buf, off, 0, (struct sockaddr *)&dst, sizeof dst);
        if (w >= 0) return 0;
        if (errno == EINTR) continue;
        /* Transient lack of memory on the sending side: wait and resend. */
        if (errno == ENOBUFS || errno == EAGAIN) { retries++; usleep(100); continue; }
        if (errors++ < 5) perror("sendto");
        return -1;
    }
}

#define send_event(...) send_event_on(fd, __VA_ARGS__)

int main(int argc, char **argv) {
    long events = 100000, pool = 256, gap_every = 0, offset = 0;
    const char *subsystem = "pwbench";
    const char *prefix = "/devices/virtual/pwbench";
    const char *sentinel = NULL;
    const char *mode = "addremove";
    double rate = 0;
    int c;
    while ((c = getopt(argc, argv, "n:m:k:g:p:s:r:o:S:")) != -1) {
        switch (c) {
        case 'n': events = atol(optarg); break;
        case 'm': mode = optarg; break;
        case 'k': pool = atol(optarg); break;
        case 'g': gap_every = atol(optarg); break;
        case 'p': prefix = optarg; break;
        case 's': sentinel = optarg; break;
        case 'r': rate = atof(optarg); break;
        case 'o': offset = atol(optarg); break;
        case 'S': subsystem = optarg; break;
        default:
            fprintf(stderr, "usage: %s [-n EVENTS] [-m addremove|probe|add] [-k POOL] [-p PREFIX] "
                            "[-g GAP_EVERY] [-s SENTINEL_DEVPATH] [-r EVENTS_PER_SEC] [-o OFFSET] "
                            "[-S SUBSYSTEM]\n", argv[0]);
            return 2;
        }
    }
    int probe = strcmp(mode, "probe") == 0;
    int add_only = strcmp(mode, "add") == 0;
    if (!probe && !add_only && strcmp(mode, "addremove") != 0) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    if (pool < 1) pool = 1;

    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
    if (fd < 0) { perror("socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)"); return 1; }
    struct sockaddr_nl self = { .nl_family = AF_NETLINK };
    if (bind(fd, (struct sockaddr *)&self, sizeof self) < 0) { perror("bind"); return 1; }

    if (gap_every > 0) {
        /* The first socket stays in the receiver's namespace; the second one lives in a new, empty one. */
        if (unshare(CLONE_NEWNET) < 0) { perror("unshare(CLONE_NEWNET)"); return 1; }
        gap_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        if (gap_fd < 0 || bind(gap_fd, (struct sockaddr *)&self, sizeof self) < 0) { perror("gap socket"); return 1; }
    }

    double t0 = now();
    char devpath[512], index[32], modalias[64];
    for (long i = 0; i < events; i++) {
        int r;
        snprintf(index, sizeof index, "%ld", i + offset);
        if (add_only) {
            snprintf(devpath, sizeof devpath, "%s/d%ld", prefix, i + offset);
            snprintf(modalias, sizeof modalias, "%s:d%ld", subsystem, i + offset);
            r = send_event("add", devpath, subsystem, "MODALIAS=", modalias, "PWBENCH_INDEX=", index, NULL);
        } else if (!probe) {
            snprintf(devpath, sizeof devpath, "%s/d%ld", prefix, (i + offset) / 2);
            r = send_event((i + offset) % 2 == 0 ? "add" : "remove", devpath, subsystem,
                           "DEVTYPE=", "bench", "PWBENCH_INDEX=", index, NULL);
        } else if (i == 0) {
            r = send_event("add", "/bus/pwbus/drivers/pwdrv", "drivers", NULL);
        } else {
            long cycle = (i - 1) / 4;
            snprintf(devpath, sizeof devpath, "%s/d%ld", prefix, cycle % pool);
            switch ((i - 1) % 4) {
            case 0: r = send_event("add", devpath, "pwbus", "MODALIAS=", "pwbus:v0001d0002",
                                   "PWBENCH_INDEX=", index, NULL); break;
            case 1: r = send_event("bind", devpath, "pwbus", "DRIVER=", "pwdrv",
                                   "PWBENCH_INDEX=", index, NULL); break;
            case 2: r = send_event("unbind", devpath, "pwbus", "PWBENCH_INDEX=", index, NULL); break;
            default: r = send_event("remove", devpath, "pwbus", "MODALIAS=", "pwbus:v0001d0002",
                                    "PWBENCH_INDEX=", index, NULL); break;
            }
        }
        if (r >= 0 && gap_every > 0 && (i + 1) % gap_every == 0)
            send_event_on(gap_fd, "add", "/devices/virtual/pwbench-gap/g", "pwbench", NULL);
        if (r < 0 && errors > 100) { fprintf(stderr, "too many send errors, giving up\n"); return 1; }
        if (rate > 0 && (i & 63) == 63) {
            double ahead = (i + 1) / rate - (now() - t0);
            if (ahead > 0) usleep((useconds_t)(ahead * 1e6));
        }
    }
    int sent_sentinel = 0;
    if (sentinel)
        sent_sentinel = send_event("add", "/bus/pwsentinel/drivers/pwsentinel", "drivers", NULL) == 0 &&
                        send_event("add", sentinel, "pwsentinel", NULL) == 0 &&
                        send_event("bind", sentinel, "pwsentinel", "DRIVER=", "pwsentinel", NULL) == 0;
    printf("SENT events=%ld sentinel=%d errors=%lu enobufs_retries=%lu seconds=%.6f\n", events, sent_sentinel,
           errors, retries, now() - t0);
    return errors ? 1 : 0;
}
