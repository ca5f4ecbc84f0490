"""`probewatch plot` on a JSON log the live daemon wrote from real kernel uevents: the SVG parses, a real
renderer (rsvg-convert) draws it, and the picture has lanes, text and red races; bad input fails cleanly.

Run as a script (`python3 test_plot.py BINARY LOG`) it records that log, for the README's example picture.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
import zlib

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import module_tree  # noqa: E402
import scenarios  # noqa: E402
from daemon import Daemon  # noqa: E402
from namespaces import NetNamespace  # noqa: E402
from scenarios import bind, dev, device_add, device_remove, driver, module, unbind  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"

# A second bus with a driver of its own, so the plot has more than one group.
CAM_BUS = "pwmedia"
CAM_DRIVER = "pwmedia_cam"
CAM_PARENT = "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0"
MODULES = {**scenarios.MODULES, CAM_DRIVER: ["pwmedia:v0002d*"]}


def cam(name):
    return f"{CAM_PARENT}/{CAM_BUS}/{name}"


def cam_event(action, name, **props):
    return {"action": action, "devpath": cam(name), "props": {"SUBSYSTEM": CAM_BUS, **props}}


def cam_driver(action):
    return {"action": action, "devpath": f"/bus/{CAM_BUS}/drivers/{CAM_DRIVER}", "props": {"SUBSYSTEM": "drivers"}}


def cam_module(action):
    return {"action": action, "devpath": f"/module/{CAM_DRIVER}", "props": {"SUBSYSTEM": "module"}}


def cam_add(name, number):
    return cam_event("add", name, MODALIAS=f"pwmedia:v0002d{number:04d}")


def cam_bind(name):
    return cam_event("bind", name, DRIVER=CAM_DRIVER, MODALIAS="pwmedia:v0002d0001")


# Batches injected one after another (each injection takes some milliseconds, which spreads the probes).
# Three scenarios of scenarios.py on renamed devices, each cleaning up after itself, then a camera driver
# probing three devices, one of which is unplugged before its bind.
BATCHES = [
    # async-probe: two binds after the driver's add; then unbind, unplug, unregister.
    [device_add("a1"), device_add("a2", "pwtest:v0001d0002"), driver("add"), module("add")],
    [bind("a1")],
    [bind("a2")],
    [unbind("a1"), unbind("a2"), device_remove("a1"), device_remove("a2"), driver("remove"), module("remove")],
    # driver-removed-before-bind
    [device_add("b1"), driver("add"), module("add")],
    [driver("remove"), module("remove"), device_remove("b1")],
    # double-bind
    [driver("add"), module("add"), device_add("c1")],
    [bind("c1")],
    [bind("c1")],
    # the camera driver: cam0 and cam1 bind at different latencies, cam2 goes away while pending
    [cam_add("cam0", 1), cam_add("cam1", 2), cam_add("cam2", 3), cam_driver("add"), cam_module("add")],
    [cam_bind("cam0")],
    [cam_event("remove", "cam2")],
    [cam_bind("cam1")],
    [cam_event("unbind", "cam0"), cam_event("remove", "cam0")],
]

EXPECTED_RACES = [
    ("device-removed-before-bind", cam("cam2"), CAM_DRIVER),
    ("double-bind", dev("c1"), scenarios.DRIVER),
    ("driver-removed-before-bind", dev("b1"), scenarios.DRIVER),
]


def record_log(binary, modules_dir, namespace, log, stderr_path):
    """Runs the daemon in `namespace` over BATCHES, writing its JSON log to `log`; returns its records."""
    daemon = Daemon(namespace, binary, ["--modules-dir", modules_dir, "--probe-timeout", "30s", "--no-journal"],
                    stderr_path=stderr_path, json_log=log)
    try:
        daemon.wait_ready()
        for batch in BATCHES:
            namespace.inject(batch)
        namespace.inject([scenarios.sentinel()])
        # The human output carries findings only: wait on the log itself for the sentinel.
        wait_for_sentinel(log, daemon)
        assert daemon.stop() == 0, daemon.stderr()
    finally:
        daemon.kill()
    with open(log) as handle:
        return [json.loads(line) for line in handle]


def wait_for_sentinel(log, daemon, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log, "rb") as handle:
            if scenarios.SENTINEL.encode() in handle.read():
                return
        if daemon.process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"no sentinel in {log}; stderr:\n{daemon.stderr()}")


@pytest.fixture(scope="module")
def plot_modules_dir(tmp_path_factory):
    return module_tree.build(str(tmp_path_factory.mktemp("plot-modtree")), MODULES)


@pytest.fixture(scope="module")
def recorded(binary, plot_modules_dir, tmp_path_factory):
    directory = tmp_path_factory.mktemp("plot")
    log = str(directory / "probewatch.jsonl")
    with NetNamespace() as namespace:
        records = record_log(binary, plot_modules_dir, namespace, log, str(directory / "daemon.stderr"))
    return log, records


def plot(binary, *args):
    return subprocess.run([binary, "plot", *args], capture_output=True, text=True, timeout=60)


def test_the_log_holds_the_races_the_plot_should_show(recorded):
    _, records = recorded
    races = sorted((r["kind"], r["devpath"], r["driver"]) for r in records if r["type"] == "race")
    assert races == EXPECTED_RACES
    probes = [r for r in records if r["type"] == "probe"]
    assert {p["devpath"] for p in probes} >= {dev("a1"), dev("a2"), dev("c1"), cam("cam0"), cam("cam1")}


def test_svg_parses_and_has_a_lane_per_device_under_its_driver(recorded, binary, tmp_path):
    log, _ = recorded
    out = tmp_path / "timeline.svg"
    result = plot(binary, "--from", log, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    text = out.read_text()
    assert text.startswith("<svg") and text.rstrip().endswith("</svg>")
    root = ElementTree.fromstring(text)  # well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("width") == "1200"

    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "group"]
    titles = [g.find(f"{SVG}text[@class='driver']").text for g in groups]
    assert titles == [f"pwtest/{scenarios.DRIVER} ({scenarios.DRIVER})", f"{CAM_BUS}/{CAM_DRIVER} ({CAM_DRIVER})"]
    lanes = {title: [lane.find(f"{SVG}text[@class='devpath']/{SVG}title").text
                     for lane in group.iter(f"{SVG}g") if lane.get("class") == "lane"]
             for title, group in zip(titles, groups)}
    assert sorted(lanes[titles[0]]) == [dev("a1"), dev("a2"), dev("b1"), dev("c1")]
    assert sorted(lanes[titles[1]]) == [cam("cam0"), cam("cam1"), cam("cam2")]

    races = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar race"]
    assert len(races) == 3
    race_titles = " ".join(r.find(f"{SVG}title").text for r in races)
    for kind, _, _ in EXPECTED_RACES:
        assert kind in race_titles
    markers = [g.get("class") for group in groups for g in group.iter(f"{SVG}g")
               if (g.get("class") or "").startswith("marker ")]
    assert markers.count("marker unbind") == 3 and markers.count("marker remove") == 5
    assert markers.count("marker driver-add") == 4 and markers.count("marker driver-remove") == 2
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert len(ticks) >= 4 and "0" in ticks and any(t.endswith(("µs", "ms", " s")) for t in ticks)


def test_the_svg_renders_to_a_picture_with_red_races(recorded, binary, tmp_path):
    rsvg = shutil.which("rsvg-convert")
    if rsvg is None:
        pytest.fail("rsvg-convert is missing: apt-get install librsvg2-bin (make deps does)")
    log, _ = recorded
    out = tmp_path / "timeline.svg"
    assert plot(binary, "--from", log, "-o", str(out)).returncode == 0
    png = tmp_path / "timeline.png"
    subprocess.run([rsvg, "-o", str(png), str(out)], check=True, timeout=60)
    width, height, pixels = read_png(png.read_bytes())
    assert width == 1200 and height > 200
    non_white = sum(1 for r, g, b in pixels if r < 235 or g < 235 or b < 235)
    red = sum(1 for r, g, b in pixels if r > 170 and g < 80 and b < 80)
    dark = sum(1 for r, g, b in pixels if r < 90 and g < 90 and b < 90)  # text
    assert non_white > width * height // 50, non_white
    assert red > 200, red
    assert dark > 2000, dark


def test_html_embeds_the_svg(recorded, binary, tmp_path):
    log, _ = recorded
    out = tmp_path / "timeline.html"
    result = plot(binary, "--from", log, "-o", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "</svg>" in page
    assert "<h1>probewatch timeline of probewatch.jsonl</h1>" in page
    svg = page[page.index("<svg"):page.index("</svg>") + len("</svg>")]
    ElementTree.fromstring(svg)
    for kind, _, _ in EXPECTED_RACES:
        assert kind in page


@pytest.mark.parametrize("content, message", [
    (None, "No such file or directory"),
    (b"", "no probewatch records"),
    (b'{"type":"probe","schema":1,"time":"2026-11-25T10:0', "cut off"),
], ids=["missing", "empty", "cut-off"])
def test_bad_input_fails_with_a_message_and_no_crash(content, message, binary, tmp_path):
    log = tmp_path / "probewatch.jsonl"
    if content is not None:
        log.write_bytes(content)
    out = tmp_path / "timeline.svg"
    result = plot(binary, "--from", str(log), "-o", str(out))
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stderr.startswith("probewatch: ") and str(log) in result.stderr
    assert message in result.stderr
    assert "Fatal error" not in result.stderr and "Stack dump" not in result.stderr
    assert not out.exists()


def test_an_unknown_extension_is_refused(binary, tmp_path):
    result = plot(binary, "--from", str(tmp_path / "x.jsonl"), "-o", str(tmp_path / "timeline.png"))
    assert result.returncode != 0
    assert ".svg or .html" in result.stderr


def read_png(data):
    """(width, height, [(r, g, b), ...]) of an 8-bit RGB or RGBA PNG, decoded with zlib alone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, chunks, idat = 8, {}, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IDAT":
            idat += body
        chunks.setdefault(kind, body)
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and color in (2, 6), (depth, color)
    channels = 4 if color == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    pixels = []
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        for i in range(0, stride, channels):
            r, g, b = line[i], line[i + 1], line[i + 2]
            if channels == 4:  # over white
                alpha = line[i + 3]
                r, g, b = (v * alpha // 255 + 255 - alpha for v in (r, g, b))
            pixels.append((r, g, b))
        previous = line
    return width, height, pixels


if __name__ == "__main__":
    # python3 test_plot.py BINARY LOG: records the log the tests plot (for docs/images/timeline-example.svg).
    binary_path, log_path = sys.argv[1], os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory() as scratch:
        tree = module_tree.build(scratch, MODULES)
        if os.path.exists(log_path):
            os.remove(log_path)
        with NetNamespace() as netns:
            record_log(binary_path, tree, netns, log_path, os.path.join(scratch, "daemon.stderr"))
    print(log_path)
