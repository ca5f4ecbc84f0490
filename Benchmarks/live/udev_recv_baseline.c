/*
 * udev_recv_baseline.c: the plain libudev receive loop a user would write, as the CPU baseline for
 * probewatch's live benchmark (Benchmarks/live/bench_live.py).
 *
 *   udev_recv_baseline [SENTINEL_DEVPATH]
 *
 * Kernel-group netlink monitor, 128 MiB receive buffer, poll() + udev_monitor_receive_device() until the
 * socket is drained, every device's property list iterated (as any real consumer does), then unref.
 *
 * Output on stdout, one line each, flushed at once:
 *   READY pid=<pid> rcvbuf=<bytes granted>             monitor is receiving
 *   SENTINEL count=<n> enobufs=<n> einval=<n>         the "bind" event of DEVPATH == SENTINEL_DEVPATH arrived
 *                                                      (count: events so far, the sentinel's own events
 *                                                      -- DEVPATH SENTINEL_DEVPATH or /bus/pwsentinel/... -- not
 *                                                      included; all: every event)
 *   COUNT count=<n> all=<n> enobufs=<n> einval=<n>    on SIGUSR1
 *   TOTAL count=<n> all=<n> enobufs=<n> einval=<n> props=<n> prop_bytes=<n>   on SIGTERM/SIGINT, then exit 0
 *
 * Build: gcc -O2 -Wall -o udev_recv_baseline udev_recv_baseline.c $(pkg-config --cflags --libs libudev)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libudev.h>

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t count_requested;

static void on_stop(int sig) { (void)sig; stop_requested = 1; }
static void on_usr1(int sig) { (void)sig; count_requested = 1; }

int main(int argc, char **argv) {
    const char *sentinel = argc > 1 ? argv[1] : NULL;
    unsigned long long count = 0, all = 0, enobufs = 0, einval = 0, props = 0, prop_bytes = 0;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);

    struct udev *udev = udev_new();
    if (!udev) { perror("udev_new"); return 1; }
    struct udev_monitor *mon = udev_monitor_new_from_netlink(udev, "kernel");
    if (!mon) { perror("udev_monitor_new_from_netlink"); return 1; }
    int r = udev_monitor_set_receive_buffer_size(mon, 128 * 1024 * 1024);
    if (r < 0) fprintf(stderr, "udev_monitor_set_receive_buffer_size: %s\n", strerror(-r));
    if (udev_monitor_enable_receiving(mon) < 0) { perror("udev_monitor_enable_receiving"); return 1; }
    int fd = udev_monitor_get_fd(mon);
    int rcvbuf = 0;
    socklen_t len = sizeof rcvbuf;
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);

    printf("READY pid=%d rcvbuf=%d\n", (int)getpid(), rcvbuf / 2);
    fflush(stdout);

    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    while (!stop_requested) {
        if (count_requested) {
            count_requested = 0;
            printf("COUNT count=%llu all=%llu enobufs=%llu einval=%llu\n", count, all, enobufs, einval);
            fflush(stdout);
        }
        int n = poll(&pfd, 1, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("poll");
            return 1;
        }
        /* Drain: the socket is non-blocking, NULL + EAGAIN means empty. */
        for (;;) {
            errno = 0;
            struct udev_device *dev = udev_monitor_receive_device(mon);
            if (!dev) {
                if (errno == ENOBUFS) { enobufs++; continue; }
                if (errno == EINVAL) { einval++; continue; }
                break; /* EAGAIN (or a message libudev ignored) */
            }
            all++;
            const char *devpath = udev_device_get_devpath(dev);
            int is_sentinel = sentinel && devpath && strcmp(devpath, sentinel) == 0;
            if (!is_sentinel && !(devpath && strncmp(devpath, "/bus/pwsentinel/", 16) == 0))
                count++;
            struct udev_list_entry *e;
            udev_list_entry_foreach(e, udev_device_get_properties_list_entry(dev)) {
                const char *name = udev_list_entry_get_name(e);
                const char *value = udev_list_entry_get_value(e);
                props++;
                prop_bytes += strlen(name) + (value ? strlen(value) : 0);
            }
            if (is_sentinel) {
                const char *action = udev_device_get_action(dev);
                if (action && strcmp(action, "bind") == 0) {
                    printf("SENTINEL count=%llu all=%llu enobufs=%llu einval=%llu\n", count, all, enobufs, einval);
                    fflush(stdout);
                }
            }
            udev_device_unref(dev);
        }
    }
    printf("TOTAL count=%llu all=%llu enobufs=%llu einval=%llu props=%llu prop_bytes=%llu\n",
           count, all, enobufs, einval, props, prop_bytes);
    fflush(stdout);
    udev_monitor_unref(mon);
    udev_unref(udev);
    return 0;
}
