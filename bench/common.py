"""What the benchmark scripts share: the machine they ran on, manage.py commands, their
progress lines, the end of a child process's log."""

import os
import platform
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def machine(*packages: str) -> dict:
    """The cores, CPU, Python, SQLite and the versions of `packages` (Django always)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        **{name.replace("-", "_"): metadata.version(name) for name in ("django", *packages)},
        "sqlite": sqlite3.sqlite_version,
        # Other work on the machine shares its cores; the reader should know it was there.
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
    }


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux /proc); empty when it is gone."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pids) -> float:
    """User + system CPU time of the processes `pids` that are still there (Linux /proc)."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += int(stat[11]) + int(stat[12])  # utime + stime, after the command name
    return ticks / os.sysconf("SC_CLK_TCK")


def say(message: str) -> None:
    """A progress line, on stderr so that --json output stays clean."""
    print(message, file=sys.stderr, flush=True)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def manage(env: dict, *command: str) -> str:
    """Run a manage.py command in `env`; its output, or RuntimeError with both streams."""
    done = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()
