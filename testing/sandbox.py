"""Run a command inside a throwaway sandbox: new network, mount and pid namespaces.

Usage (as root)::

    python -m plugnet.testing.sandbox -- COMMAND [ARG...]

The outer call re-executes itself under ``unshare --net --mount --pid --fork
--kill-child --mount-proc``. Inside, as pid 1 of the new pid namespace, it
refuses to go on unless the network namespace differs from the one it started
in, makes every mount private, puts a private tmpfs on /run (``ip netns``
bind mounts, the xtables lock, plugnet's state) and a fresh sysfs on /sys (the
inherited /sys/class/net shows the *root* namespace's devices), brings lo up,
and runs the command. When the command ends, the kernel kills every process
left in the pid namespace and frees the network namespace with everything in
it, so nothing can reach the host's network, even from a test that fails
half-way.
"""

from __future__ import annotations

import os
import subprocess
import sys

__all__ = ["main"]

_ROOT_INODE_ENV = "PLUGNET_SANDBOX_OUTER_NETNS"


def _netns_inode() -> int:
    return os.stat("/proc/self/ns/net").st_ino


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True)


def _inside(command: list[str]) -> int:
    outer = os.environ.get(_ROOT_INODE_ENV)
    if outer is None or int(outer) == _netns_inode():
        raise SystemExit("sandbox: refusing to run: not inside a new network namespace")
    if os.getpid() != 1:
        raise SystemExit("sandbox: refusing to run: not pid 1 of a new pid namespace")
    _run("mount", "--make-rprivate", "/")
    _run("mount", "-t", "tmpfs", "-o", "mode=755", "plugnet-sandbox-run", "/run")
    os.makedirs("/run/netns", exist_ok=True)
    _run("mount", "-t", "sysfs", "plugnet-sandbox-sysfs", "/sys")
    devices = set(os.listdir("/sys/class/net"))
    if devices != {"lo"}:
        raise SystemExit(f"sandbox: /sys/class/net is not a fresh view: {sorted(devices)}")
    _run("ip", "link", "set", "lo", "up")
    env = dict(os.environ)
    env.pop(_ROOT_INODE_ENV, None)
    env["PLUGNET_SANDBOX"] = "1"
    env.setdefault("PLUGNET_STATE_DIR", "/run/plugnet")
    child = subprocess.Popen(command, env=env)
    return child.wait()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    inside = bool(args) and args[0] == "--inside"
    if inside:
        args = args[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        print("usage: python -m plugnet.testing.sandbox -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    if inside:
        return _inside(args)
    if os.geteuid() != 0:
        print("sandbox: run as root (it creates namespaces)", file=sys.stderr)
        return 2
    env = dict(os.environ, **{_ROOT_INODE_ENV: str(_netns_inode())})
    unshare = ["unshare", "--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc"]
    me = [sys.executable, "-m", "plugnet.testing.sandbox", "--inside", "--"]
    return subprocess.call([*unshare, "--", *me, *args], env=env)


if __name__ == "__main__":
    raise SystemExit(main())
