"""Private network namespaces for end-to-end tests.

A holder process (`unshare --net --fork sleep infinity`) keeps the namespace alive; the daemon and the
injector enter it with nsenter. With `user=True` the namespace is owned by a new user namespace
(`unshare -Urn`): root there cannot force a socket buffer above net.core.rmem_max, and host uevents are
not forwarded into it (the kernel only broadcasts to namespaces owned by the initial user namespace).
With `private_run=True` the holder also gets a private mount namespace with a fresh tmpfs on /run, so a
journald started in it (`start_journald`) is the only journal its processes reach.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class NetNamespace:
    def __init__(self, user=False, private_run=False):
        # --kill-child: the sleeper (and with it the namespace) ends with unshare, not orphaned to init.
        args = ["unshare", "--net", "--fork", "--kill-child"]
        if user:
            args += ["--user", "--map-root-user"]
        holder = ["sleep", "infinity"]
        if private_run:
            args += ["--mount", "--propagation", "private"]
            holder = ["sh", "-c", "mount -t tmpfs -o mode=755 tmpfs /run && "
                      "mkdir -p /run/systemd/journal /run/log/journal && exec sleep infinity"]
        self.user = user
        self.private_run = private_run
        self.journald = None
        self.holder = subprocess.Popen(args + holder)
        self._wait_until_entered()

    def _wait_until_entered(self):
        # unshare forks the sleeper after creating the namespace: wait for the child to exist in it.
        own = os.readlink("/proc/self/ns/net")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pid = self._sleeper_pid()
            # With a private /run the holder mounts first and then execs sleep: only then is /run its own.
            if pid and os.readlink(f"/proc/{pid}/ns/net") != own and self._comm(pid) == "sleep":
                self.pid = pid
                return
            time.sleep(0.01)
        raise RuntimeError("network namespace did not come up")

    @staticmethod
    def _comm(pid):
        try:
            with open(f"/proc/{pid}/comm") as handle:
                return handle.read().strip()
        except FileNotFoundError:
            return None

    def _sleeper_pid(self):
        try:
            with open(f"/proc/{self.holder.pid}/task/{self.holder.pid}/children") as children:
                pids = children.read().split()
            return int(pids[0]) if pids else None
        except (FileNotFoundError, ProcessLookupError):
            return None

    def command(self, args):
        """`args` run inside this namespace (and its user namespace, if any)."""
        enter = ["nsenter", f"--net=/proc/{self.pid}/ns/net"]
        if self.private_run:
            enter += [f"--mount=/proc/{self.pid}/ns/mnt"]
        if self.user:
            enter += [f"--user=/proc/{self.pid}/ns/user", "--preserve-credentials"]
        return enter + ["--"] + list(args)

    def inject(self, events, timeout=60):
        """Sends uevents through the kernel in this namespace (see kernel_uevents.py)."""
        subprocess.run(self.command([sys.executable, os.path.join(HERE, "kernel_uevents.py"), "send"]),
                       input=json.dumps(events).encode(), check=True, timeout=timeout)

    def storm(self, count, timeout=300):
        result = subprocess.run(
            self.command([sys.executable, os.path.join(HERE, "kernel_uevents.py"), "storm", str(count)]),
            capture_output=True, check=True, timeout=timeout)
        return int(result.stdout)

    def path(self, path):
        """`path` as the namespace's processes see it (their /run is not ours)."""
        return f"/proc/{self.pid}/root{path}"

    def start_journald(self, timeout=10):
        """A private systemd-journald, volatile storage in /run/log/journal of this namespace."""
        self.journald = subprocess.Popen(self.command(["/lib/systemd/systemd-journald"]),
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        socket_path = self.path("/run/systemd/journal/socket")
        deadline = time.monotonic() + timeout
        while not os.path.exists(socket_path):  # journald has no readiness signal outside systemd
            if self.journald.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("private journald did not come up")
            time.sleep(0.02)

    def journal(self, *matches):
        """Entries of the private journal as dicts (journalctl -o json), oldest first."""
        result = subprocess.run(["journalctl", "-D", self.path("/run/log/journal"), "-o", "json", "--no-pager",
                                 *matches], capture_output=True, check=True, text=True)
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    def close(self):
        if self.journald is not None:
            self.journald.kill()
            self.journald.wait()
        self.holder.kill()
        self.holder.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
