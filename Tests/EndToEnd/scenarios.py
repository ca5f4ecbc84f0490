"""The uevent orderings the end-to-end tests and the recorded captures share.

Bus `pwtest`, devices /devices/pwtest/<name>, driver /bus/pwtest/drivers/pwtest_async of module
pwtest_async, whose alias `pwtest:v0001d*` the test module tree provides. Steps are uevents, or
{"await": KIND}: the live test waits for that finding, a capture waits past the probe timeout.
"""
BUS = "pwtest"
DRIVER = "pwtest_async"
DRIVER_PATH = f"/bus/{BUS}/drivers/{DRIVER}"
MODULE_PATH = f"/module/{DRIVER}"
MODULES = {DRIVER: ["pwtest:v0001d*"]}
SENTINEL = "/devices/probewatch-test/sentinel"
PROBE_TIMEOUT = "1s"


def dev(name):
    return f"/devices/{BUS}/{name}"


def device_add(name, modalias="pwtest:v0001d0001"):
    return {"action": "add", "devpath": dev(name), "props": {"SUBSYSTEM": BUS, "MODALIAS": modalias}}


def device_remove(name):
    return {"action": "remove", "devpath": dev(name), "props": {"SUBSYSTEM": BUS}}


def bind(name):
    return {"action": "bind", "devpath": dev(name),
            "props": {"SUBSYSTEM": BUS, "DRIVER": DRIVER, "MODALIAS": "pwtest:v0001d0001"}}


def unbind(name):
    # The kernel clears dev->driver before sending `unbind`: no DRIVER=, no MODALIAS=.
    return {"action": "unbind", "devpath": dev(name), "props": {"SUBSYSTEM": BUS}}


def driver(action):
    return {"action": action, "devpath": DRIVER_PATH, "props": {"SUBSYSTEM": "drivers"}}


def module(action):
    return {"action": action, "devpath": MODULE_PATH, "props": {"SUBSYSTEM": "module"}}


def sentinel():
    return {"action": "change", "devpath": SENTINEL, "props": {"SUBSYSTEM": "pwsentinel"}}


def finding(kind, name):
    return (kind, dev(name), DRIVER)


SCENARIOS = {
    "driver-removed-before-bind": (
        [device_add("dev1"), driver("add"), module("add"), driver("remove"), module("remove")],
        [finding("driver-removed-before-bind", "dev1")]),
    "bind-after-driver-removed": (
        [driver("add"), module("add"), device_add("dev1"), bind("dev1"), unbind("dev1"), driver("remove"),
         bind("dev1"), {"await": "bind-after-driver-removed"}],
        [finding("bind-after-driver-removed", "dev1")]),
    "device-removed-before-bind": (
        [driver("add"), module("add"), device_add("dev1"), device_remove("dev1")],
        [finding("device-removed-before-bind", "dev1")]),
    "double-bind": (
        [driver("add"), module("add"), device_add("dev1"), bind("dev1"), bind("dev1")],
        [finding("double-bind", "dev1")]),
    "unbind-without-bind": (
        [device_add("dev9", modalias="pwtest:v9999d0009"), unbind("dev9")],
        [("unbind-without-bind", dev("dev9"), "")]),
    "probe-stalled": (
        [driver("add"), module("add"), device_add("dev1"), {"await": "probe-stalled"}],
        [finding("probe-stalled", "dev1")]),
    # Benign: asynchronous probing binds after the driver's add.
    "async-probe": (
        [device_add("dev1"), device_add("dev2", "pwtest:v0001d0002"), driver("add"), module("add"),
         bind("dev1"), bind("dev2")],
        []),
    # Benign: a driver goes away with its module and comes back.
    "re-registration": (
        [driver("add"), module("add"), device_add("dev1"), bind("dev1"), unbind("dev1"), driver("remove"),
         module("remove"), driver("add"), module("add"), bind("dev1")],
        []),
    # Benign: synchronous registration binds before the driver's add, also when it registers again.
    "sync-re-registration": (
        [device_add("dev1"), bind("dev1"), driver("add"), module("add"), unbind("dev1"), driver("remove"),
         module("remove"), bind("dev1"), driver("add"), module("add")],
        []),
}

RACE_SCENARIOS = [name for name, (_, expected) in SCENARIOS.items() if expected]
BENIGN_SCENARIOS = [name for name, (_, expected) in SCENARIOS.items() if not expected]
