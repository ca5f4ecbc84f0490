"""Bursts: the 128 MiB buffer takes a 100,000-event storm whole; a capped buffer overflows without harm."""
import signal

from namespaces import NetNamespace

STORM = 100_000
PREFIX = "/devices/probewatch-storm/"


def storm_events(daemon):
    return sum(1 for r in daemon.records if r["type"] == "event" and r["devpath"].startswith(PREFIX))


def send_until_received(namespace, daemon, devpath, attempts=60):
    """Events sent while the socket is still full are dropped too; a later one must get through."""
    for attempt in range(attempts):
        namespace.inject([{"action": "change", "devpath": devpath, "props": {"SUBSYSTEM": "pwsentinel",
                                                                          "ATTEMPT": str(attempt)}}])
        try:
            daemon.wait_for_event(devpath, timeout=2)
        except AssertionError:
            continue
        return next(r for r in daemon.records if r["type"] == "event" and r["devpath"] == devpath)
    raise AssertionError(f"no event got through after the storm; stderr:\n{daemon.stderr()}")


def test_storm_is_received_completely_with_the_forced_buffer(netns, start_daemon):
    daemon = start_daemon(netns, "--console", "none")
    assert netns.storm(STORM) == STORM
    netns.inject([{"action": "change", "devpath": "/devices/probewatch-test/sentinel",
                   "props": {"SUBSYSTEM": "pwsentinel"}}])
    daemon.wait_for_event("/devices/probewatch-test/sentinel", timeout=120)
    assert daemon.stop() == 0
    assert storm_events(daemon) == STORM
    assert daemon.of_type("lost") == []
    assert daemon.of_type("summary")[0]["lost"] == 0


def test_overflow_without_cap_net_admin_yields_lost_records_and_the_daemon_keeps_running(start_daemon):
    # In a user namespace the buffer cannot be forced past net.core.rmem_max, so the storm overflows.
    with NetNamespace(user=True) as namespace:
        daemon = start_daemon(namespace, "--console", "none")
        # Stopped while the storm is sent, it cannot drain the capped buffer: the overflow is certain,
        # whatever the machine's speed.
        daemon.process.send_signal(signal.SIGSTOP)
        namespace.storm(STORM)
        daemon.process.send_signal(signal.SIGCONT)
        arrived = send_until_received(namespace, daemon, "/devices/probewatch-test/after-storm")
        assert daemon.stop() == 0
    lost = daemon.of_type("lost")
    assert lost, "expected ENOBUFS to be reported"
    assert all(r["reason"] == "ENOBUFS" for r in lost)
    assert [r["lost_count"] for r in lost] == list(range(1, len(lost) + 1))
    resyncs = [r for r in daemon.of_type("snapshot") if r["reason"] == "resync"]
    assert len(resyncs) == len(lost)
    assert 0 < storm_events(daemon) < STORM
    assert arrived["seqnum"] > max(r["after_seqnum"] or 0 for r in lost)
    assert daemon.of_type("summary")[0]["lost"] == len(lost)
    assert "capped the uevent receive buffer" in daemon.stderr()
