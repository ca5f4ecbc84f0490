"""Runs the real probewatch binary in a namespace and follows its JSON Lines on stdout."""
import json
import os
import signal
import subprocess
import threading

DEFAULT_TIMEOUT = 30


class Daemon:
    def __init__(self, namespace, binary, args, stderr_path):
        self.records = []
        self.bad_lines = []
        self._changed = threading.Condition()
        self._stderr = open(stderr_path, "wb")
        self.process = subprocess.Popen(
            namespace.command([binary, "run", "--json-log", "-"] + list(args)),
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
        return self.wait_for(lambda records: any(r["type"] == "snapshot" for r in records), what="snapshot")

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
