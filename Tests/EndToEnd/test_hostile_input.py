"""Malformed and odd uevents, injected through the kernel, never crash the daemon or disturb later events."""
import scenarios
from conftest import findings


def raw(data):
    return {"raw_hex": data.hex()}


MALFORMED = [
    raw(b"no-at-sign\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=x\0"),              # header without @
    raw(b"add@/devices/pwtest/noaction\0DEVPATH=/devices/pwtest/noaction\0SUBSYSTEM=pwtest\0"),
    raw(b"add@/devices/pwtest/nodevpath\0ACTION=add\0SUBSYSTEM=pwtest\0"),
    raw(b"explode@/devices/pwtest/x\0ACTION=explode\0DEVPATH=/devices/pwtest/x\0SUBSYSTEM=pwtest\0"),
    raw(b"add@/devices/../../etc\0ACTION=add\0DEVPATH=/devices/../../etc\0SUBSYSTEM=pwtest\0"),
    raw(b"add@devices/rel\0ACTION=add\0DEVPATH=devices/rel\0SUBSYSTEM=pwtest\0"),
]


def test_malformed_uevents_are_counted_and_the_events_after_them_still_race(netns, start_daemon):
    daemon = start_daemon(netns)
    steps, expected = scenarios.SCENARIOS["driver-removed-before-bind"]
    interleaved = [item for step in steps for item in (step, *MALFORMED)]
    netns.inject(interleaved + [scenarios.sentinel()])
    daemon.wait_for_event(scenarios.SENTINEL)
    assert daemon.stop() == 0
    assert findings(daemon.records) == sorted(expected)
    invalid = {r["devpath"] for r in daemon.of_type("event") if r.get("invalid")}
    valid = {r["devpath"] for r in daemon.of_type("event") if not r.get("invalid")}
    assert "/devices/../../etc" in invalid  # libudev passes it; probewatch keeps it out of the model
    assert not {"/devices/../../etc", "devices/rel", "/devices/pwtest/x"} & valid
    summary = daemon.of_type("summary")[0]
    # libudev rejects the ones without ACTION/DEVPATH or with an unknown action (EINVAL) and ignores the
    # header without @ (EAGAIN); probewatch rejects the unsafe DEVPATHs itself.
    assert summary["malformed"] >= 2 * len(steps)
    assert daemon.process.returncode == 0


def test_non_utf8_bytes_are_kept_losslessly_and_flagged(netns, start_daemon):
    daemon = start_daemon(netns)
    netns.inject([raw(b"change@/devices/pwtest/odd\0ACTION=change\0DEVPATH=/devices/pwtest/odd\0"
                      b"SUBSYSTEM=pwtest\0LABEL=caf\xe9\\\xff\0"), scenarios.sentinel()])
    daemon.wait_for_event(scenarios.SENTINEL)
    assert daemon.stop() == 0
    event = next(r for r in daemon.of_type("event") if r["devpath"] == "/devices/pwtest/odd")
    assert event["properties"]["LABEL"] == "caf\\xe9\\x5c\\xff"
    assert event["escaped"] == ["LABEL"]


def test_a_2_kib_uevent_fits_the_line_limit(netns, start_daemon):
    daemon = start_daemon(netns)
    big = "\x01" * 1800  # control bytes grow 6x when JSON-escaped
    netns.inject([{"action": "change", "devpath": "/devices/pwtest/big", "props": {"SUBSYSTEM": "pwtest",
                   "BIG": big}}, scenarios.sentinel()])
    daemon.wait_for_event(scenarios.SENTINEL)
    assert daemon.stop() == 0
    event = next(r for r in daemon.of_type("event") if r["devpath"] == "/devices/pwtest/big")
    assert event["properties"]["BIG"] == big
    assert daemon.bad_lines == []


def test_a_uevent_with_hundreds_of_properties_and_quotes_is_logged_whole(netns, start_daemon):
    """More properties than the live decoder keeps from its first pass (128), and a value JSON must escape:
    the decoder's slower paths, with the event's fields still read right."""
    daemon = start_daemon(netns)
    props = {"SUBSYSTEM": "pwtest", "DRIVER": "pwdrv", **{f"P{i:03}": str(i) for i in range(200)},
             "QUOTED": 'say "hi" \\ bye'}
    netns.inject([{"action": "bind", "devpath": "/devices/pwtest/many", "props": props}, scenarios.sentinel()])
    daemon.wait_for_event(scenarios.SENTINEL)
    assert daemon.stop() == 0
    event = next(r for r in daemon.of_type("event") if r["devpath"] == "/devices/pwtest/many")
    assert not event.get("invalid") and event["driver"] == "pwdrv" and event["subsystem"] == "pwtest"
    assert event["seqnum"] == int(event["properties"]["SEQNUM"])
    assert {k: v for k, v in event["properties"].items() if k not in ("ACTION", "DEVPATH", "SEQNUM")} == props
    assert daemon.bad_lines == []
