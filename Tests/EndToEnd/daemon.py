"""Runs the real probewatch binary in a namespace and follows its JSON Lines on stdout."""
import json
import os
import signal
import subprocess
import threading
import time

DEFAULT_TIMEOUT = 30


class Daemon:
    """With `json_log` a file path, records go there and stdout carries the human output (findings mode),
    whose lines land in `bad_lines` as they are not JSON."""

    def __init__(self, namespace, binary, args, stderr_path, json_log="-"):
        self.records = []
        self.bad_lines = []
        self.longest_line = 0  # bytes, newline included: the log promises at most 16 KiB
        self.json_log = json_log
        self._changed = threading.Condition()
        self._stderr = open(stderr_path, "wb")
        output = ["--json-log", json_log] if json_log == "-" else ["--json-log", json_log, "--console", "findings"]
        self.process = subprocess.Popen(
            namespace.command([binary, "run", *output] + list(args)),
            stdout=subprocess.PIPE, stderr=self._stderr)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            with self._changed:
                self.longest_line = max(self.longest_line, len(line))
                if record is None:
                    self.bad_lines.append(line)
                else:
                    self.records.append(record)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, predicate, timeout=DEFAULT_TIMEOUT, what="condition"):
        """Blocks until `predicate(records)` holds; fails the test if the daemon dies or time runs out."""
        with self._changed:
            self._changed.wait_for(
                lambda: predicate(self.records) or self.process.poll() is not None, timeout=timeout)
            if predicate(self.records):
                return self.records
        raise AssertionError(f"timed out waiting for {what}; daemon exit={self.process.poll()}, "
                             f"{len(self.records)} records, stderr:\n{self.stderr()}")

    def wait_ready(self):
        if self.json_log != "-":
            return self.wait_for_line("startup snapshot of /sys")
        return self.wait_for(lambda records: any(r["type"] == "snapshot" for r in records), what="snapshot")

    def wait_for_line(self, text, timeout=DEFAULT_TIMEOUT):
        """Human output (stdout lines that are not JSON) containing `text`."""
        return self.wait_for(lambda _: any(text.encode() in line for line in self.bad_lines),
                             timeout=timeout, what=f"output line with {text!r}")

    def wait_for_stderr(self, text, timeout=DEFAULT_TIMEOUT):
        """Polls the diagnostics file: the daemon's log lines have no other channel to wait on."""
        deadline = time.monotonic() + timeout
        while text not in self.stderr():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"no {text!r} on stderr:\n{self.stderr()}")
            time.sleep(0.02)

    def wait_for_event(self, devpath, timeout=DEFAULT_TIMEOUT):
        return self.wait_for(
            lambda records: any(r["type"] == "event" and r["devpath"] == devpath for r in records),
            timeout=timeout, what=f"event {devpath}")

    def stop(self, timeout=DEFAULT_TIMEOUT):
        """SIGTERM, then the exit status; the reader has seen every line once this returns."""
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        self._stderr.close()
        return status

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if not self._stderr.closed:
            self._stderr.close()

    def stderr(self):
        if not self._stderr.closed:
            self._stderr.flush()
        with open(self._stderr.name, "rb") as handle:
            return handle.read().decode(errors="replace")[-4000:]

    def of_type(self, kind):
        return [r for r in self.records if r["type"] == kind]

    def races(self, prefix="/devices/pwtest/"):
        return [r for r in self.of_type("race") if r["devpath"].startswith(prefix)]
