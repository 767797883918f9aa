"""Which process holds a claim, and whether that process still exists.

A claim names its holder as "host:pid:start", the start being the process's start time
from /proc (so a recycled pid is not mistaken for the holder). Only a holder on this
host can be shown to be gone; one elsewhere is presumed alive until its claim is old.
"""

import os
import socket
from pathlib import Path


def _start_time(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # Field 22 (starttime); the command name in field 2 may hold spaces, so split after ")".
    return stat.rpartition(")")[2].split()[19]


def current() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def host_prefix() -> str:
    return f"{socket.gethostname()}:"


def is_gone(holder: str) -> bool:
    """True only when the holder ran on this host and no longer exists."""
    host, _, rest = holder.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, owned by another user
    return bool(started) and _start_time(pid) not in ("", started)
