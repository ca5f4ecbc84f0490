"""Private network namespaces for end-to-end tests.

A holder process (`unshare --net --fork sleep infinity`) keeps the namespace alive; the daemon and the
injector enter it with nsenter. With `user=True` the namespace is owned by a new user namespace
(`unshare -Urn`): root there cannot force a socket buffer above net.core.rmem_max, and host uevents are
not forwarded into it (the kernel only broadcasts to namespaces owned by the initial user namespace).
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class NetNamespace:
    def __init__(self, user=False):
        args = ["unshare", "--net", "--fork"]
        if user:
            args += ["--user", "--map-root-user"]
        self.user = user
        self.holder = subprocess.Popen(args + ["sleep", "infinity"])
        self._wait_until_entered()

    def _wait_until_entered(self):
        # unshare forks the sleeper after creating the namespace: wait for the child to exist in it.
        own = os.readlink("/proc/self/ns/net")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pid = self._sleeper_pid()
            if pid and os.readlink(f"/proc/{pid}/ns/net") != own:
                self.pid = pid
                return
            time.sleep(0.01)
        raise RuntimeError("network namespace did not come up")

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

    def close(self):
        self.holder.kill()
        self.holder.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
