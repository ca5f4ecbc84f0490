"""A real systemd as PID 1: this machine's own OS booted with systemd-nspawn, thrown away afterwards.

`--volatile=yes` gives the container a tmpfs root with the host's /usr read-only; `--overlay=/usr::/usr`
puts a tmpfs upper layer on that /usr, so `make install` writes real paths inside the container and nothing
on the host. `--private-network` gives it its own network namespace, so uevents injected there reach only
the container's probewatch. `--keep-unit --register=no`: this machine has no system bus for machined.
"""
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class ContainerError(RuntimeError):
    pass


class Container:
    def __init__(self, repo, binary, modules_dir, log_path, boot_timeout=60):
        self.binary_dir = os.path.dirname(os.path.realpath(binary))
        self.binary_name = os.path.basename(binary)
        args = ["systemd-nspawn", "-D", "/", "--volatile=yes", "--overlay=/usr::/usr", "--register=no",
                "--keep-unit", "--private-network", "-M", f"probewatch-test-{os.getpid()}",
                f"--bind-ro={repo}:/src", f"--bind-ro={self.binary_dir}:/opt/probewatch-build",
                f"--bind-ro={modules_dir}:/opt/probewatch-modules", "-b", "systemd.firstboot=off"]
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        try:
            self.pid = self._find_init(boot_timeout)
            self._wait_for_boot(boot_timeout)
        except BaseException:
            self.process.kill()  # a booted copy of this OS must not outlive a failed start
            self.process.wait()
            self._log.close()
            raise

    def _wait_for_boot(self, timeout):
        """`is-system-running` says "offline" until PID 1 has made /run/systemd/system (sd_booted's mark),
        and prints nothing until PID 1's private socket is up; both appear a moment after exec, with no
        signal to wait on from outside."""
        deadline = time.monotonic() + timeout
        marker = f"/proc/{self.pid}/root/run/systemd/system"
        while not os.path.isdir(marker):
            if time.monotonic() > deadline:
                raise AssertionError(f"PID 1 made no {marker} in {timeout}s\n{self.log()}")
            time.sleep(0.05)
        while time.monotonic() < deadline:
            state = self.run("systemctl", "is-system-running", "--wait", check=False, timeout=timeout).stdout.strip()
            if state in ("running", "degraded"):
                return
            if state:
                raise AssertionError(f"container booted into state {state!r}\n{self.log()}")
            time.sleep(0.1)
        raise AssertionError(f"container did not finish booting in {timeout}s\n{self.log()}")

    @staticmethod
    def available():
        """None when nspawn can run here, else why not."""
        if shutil.which("systemd-nspawn") is None:
            return "systemd-nspawn is not installed (package systemd-container)"
        if os.geteuid() != 0:
            return "systemd-nspawn needs root"
        return None

    def _find_init(self, timeout):
        """The container's PID 1, as the host sees it: systemd, a descendant of nspawn."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ContainerError(f"systemd-nspawn exited with {self.process.returncode}\n{self.log()}")
            for pid in self._descendants(self.process.pid):
                try:
                    with open(f"/proc/{pid}/comm") as comm:
                        if comm.read().strip() == "systemd":
                            return pid
                except FileNotFoundError:
                    pass
            time.sleep(0.05)
        raise ContainerError(f"no systemd in the container after {timeout}s\n{self.log()}")

    @staticmethod
    def _descendants(pid):
        found, queue = [], [pid]
        while queue:
            current = queue.pop()
            try:
                with open(f"/proc/{current}/task/{current}/children") as children:
                    kids = [int(p) for p in children.read().split()]
            except FileNotFoundError:
                kids = []
            found += kids
            queue += kids
        return found

    def command(self, args):
        return ["nsenter", "-t", str(self.pid), "-a", "--"] + list(args)

    def run(self, *args, check=True, timeout=60):
        result = subprocess.run(self.command(args), capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def install(self):
        """The project's own install path, run inside the container, and the test module tree where the
        running kernel's modules would be (the container's /usr is a throw-away overlay)."""
        self.run("make", "-C", "/src", "install-files", f"BIN=/opt/probewatch-build/{self.binary_name}")
        self.run("sh", "-c", 'mkdir -p "/usr/lib/modules/$(uname -r)" && '
                 'cp -a /opt/probewatch-modules/. "/usr/lib/modules/$(uname -r)/"')

    def inject(self, events):
        """Real kernel uevents in the container's network namespace (see kernel_uevents.py)."""
        subprocess.run(["nsenter", f"--net=/proc/{self.pid}/ns/net", "--", sys.executable,
                        os.path.join(HERE, "kernel_uevents.py"), "send"],
                       input=json.dumps(events).encode(), check=True, timeout=60)

    def show(self, unit, prop):
        return self.run("systemctl", "show", "-p", prop, "--value", unit).stdout.strip()

    def journal(self, *args):
        self.run("journalctl", "--sync")
        return self.run("journalctl", "--no-pager", *args, check=False).stdout

    def wait_until(self, predicate, timeout=30, what="condition"):
        """Polls: systemd and journald changes have no signal a test outside the container can wait on."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")

    def log(self):
        self._log.flush()
        with open(self._log.name, "rb") as handle:
            return handle.read().decode(errors="replace")[-3000:]

    def close(self):
        if self.process.poll() is None:
            subprocess.run(self.command(["systemctl", "poweroff"]), capture_output=True, timeout=30)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
