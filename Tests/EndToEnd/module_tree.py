"""A tiny kernel module tree, built at test time, for libkmod MODALIAS lookups.

depmod reads aliases from a module's `.modinfo` section, so a `.o` whose `.modinfo` holds `alias=` and
`name=` strings, installed as `*.ko`, is all it needs. Nothing is ever loaded.
"""
import os
import subprocess

VERSION = "6.0.0-probewatch-test"


def build(root, modules):
    """modules: {name: [alias, ...]}; returns the directory to pass as --modules-dir."""
    kernel_dir = os.path.join(root, "lib", "modules", VERSION, "kernel")
    os.makedirs(kernel_dir, exist_ok=True)
    for name, aliases in modules.items():
        strings = [f"alias={alias}" for alias in aliases] + [f"name={name}", "license=GPL"]
        source = os.path.join(root, f"{name}.c")
        with open(source, "w") as handle:
            for index, text in enumerate(strings):
                handle.write('static const char __attribute__((section(".modinfo"), used, aligned(1))) '
                             f'info{index}[] = "{text}";\n')
        subprocess.run(["gcc", "-c", source, "-o", os.path.join(kernel_dir, f"{name}.ko")], check=True)
    subprocess.run(["depmod", "-b", root, VERSION], check=True, stderr=subprocess.DEVNULL)
    return os.path.join(root, "lib", "modules", VERSION)
