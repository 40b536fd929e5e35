"""Where the cores went during a timed run, read from Linux's ``/proc``.

On a machine of two cores the client, the server processes and PostgreSQL share the same
cores, so a rate alone cannot say what held it back: the CPU each of them used during the
run, beside what was left idle, can. Every figure here is in clock ticks, as the kernel
counts them, until the last step turns it into seconds.

A process's own ticks are lost when it exits; the kernel adds them to its parent's
``cutime``/``cstime`` once the parent has waited for it. A tree of processes (a server and
the processes it spawned, PostgreSQL and its backends) is therefore counted whole by adding,
for each live member, its own ticks and those of its children that have exited.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class Process:
    """One process as ``/proc/PID/stat`` tells it."""

    pid: int
    parent: int
    name: str
    started: int  # ticks after boot: with the pid, names one process even if the pid is reused
    ticks: int  # user and system time of the process itself
    reaped: int  # user and system time of its children that exited and were waited for
    command: str = ""


def parse_process(stat: str, command: str = "") -> Process:
    """A line of ``/proc/PID/stat``. The name stands in parentheses and may itself hold
    spaces and parentheses, so the fields are counted from the last closing one."""
    head, _, tail = stat.rpartition(")")
    pid, _, name = head.partition(" (")
    fields = tail.split()  # fields[0] is the 3rd field of proc(5), the state
    return Process(
        pid=int(pid),
        parent=int(fields[1]),
        name=name,
        started=int(fields[19]),
        ticks=int(fields[11]) + int(fields[12]),
        reaped=int(fields[13]) + int(fields[14]),
        command=command,
    )


@dataclass(frozen=True)
class Machine:
    """Ticks of all cores together since boot, from the ``cpu`` line of ``/proc/stat``."""

    busy: int  # user, nice, system, irq and softirq (guest time is inside user)
    idle: int  # idle and waiting for I/O
    stolen: int  # wanted to run, but the host ran something else

    @property
    def total(self) -> int:
        return self.busy + self.idle + self.stolen


def parse_machine(stat: str) -> Machine:
    user, nice, system, idle, iowait, irq, softirq, steal = (
        int(value) for value in stat.splitlines()[0].split()[1:9]
    )
    return Machine(user + nice + system + irq + softirq, idle + iowait, steal)


@dataclass(frozen=True)
class Snapshot:
    """The machine's ticks and every process at one moment."""

    machine: Machine
    processes: Mapping[int, Process]


def snapshot(proc: Path = PROC) -> Snapshot:
    """Read every process; one that exits while it is read is left out."""
    processes = {}
    for folder in proc.iterdir():
        if not folder.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            command = (folder / "cmdline").read_bytes().replace(b"\0", b" ").strip()
            found = parse_process((folder / "stat").read_text(), command.decode(errors="replace"))
            processes[found.pid] = found
    return Snapshot(parse_machine((proc / "stat").read_text()), processes)


def read_process(pid: int, proc: Path = PROC) -> Process:
    return parse_process((proc / str(pid) / "stat").read_text())


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far."""
    return read_process(pid).ticks / TICKS_PER_SECOND


def tree(moment: Snapshot, roots: Iterable[int]) -> list[Process]:
    """The roots and every live process descended from them."""
    children: dict[int, list[Process]] = {}
    for process in moment.processes.values():
        children.setdefault(process.parent, []).append(process)
    found = [moment.processes[pid] for pid in roots if pid in moment.processes]
    for process in found:  # grows while it is read: breadth first
        found.extend(children.get(process.pid, []))
    return found


def tree_seconds(before: Snapshot, after: Snapshot, roots: Sequence[int]) -> float:
    """CPU the trees under ``roots`` used between two snapshots, their exited members
    included (counted in the ``reaped`` time of whoever waited for them)."""

    def ticks(moment: Snapshot) -> int:
        return sum(process.ticks + process.reaped for process in tree(moment, roots))

    return (ticks(after) - ticks(before)) / TICKS_PER_SECOND


def own_seconds(before: Snapshot, after: Snapshot, pid: int) -> float:
    """CPU one process used between two snapshots (all of it if it started in between)."""
    now = after.processes.get(pid)
    if now is None:
        return 0.0
    then = before.processes.get(pid)
    earlier = then.ticks if then is not None and then.started == now.started else 0
    return (now.ticks - earlier) / TICKS_PER_SECOND


def postmasters(moment: Snapshot) -> list[int]:
    """PostgreSQL servers running here: ``postgres`` processes whose parent is not one."""
    return [
        process.pid
        for process in moment.processes.values()
        if process.name == "postgres"
        and getattr(moment.processes.get(process.parent), "name", "") != "postgres"
    ]


def backends_of(moment: Snapshot, database: str) -> list[int]:
    """PostgreSQL backends connected to ``database``: their title names it
    (``postgres: USER DATABASE HOST(PORT) STATE``)."""
    return [
        process.pid
        for process in moment.processes.values()
        if process.name == "postgres" and f" {database} " in f"{process.command} "
    ]


@dataclass(frozen=True)
class Share:
    """CPU seconds one part of the machine used, and how they split among its processes."""

    name: str
    seconds: float
    parts: tuple[tuple[str, float], ...] = ()


REST = "rest of the machine"
STOLEN = "stolen by the host"
IDLE = "idle"


def short_name(process: Process) -> str:
    """A process as a person would name it: the program, and for Python the script or
    module it runs (``python seed.py``, ``python pytest``, ``python -c``); a kernel thread
    by its name without its queue (``kworker``)."""
    words = process.command.split()
    if not words:
        return process.name.split("/")[0]
    program = Path(words[0]).name
    if not program.startswith("python"):
        return program
    options = iter(words[1:])
    for word in options:
        if word == "-m":  # a module: the word after
            return f"{program} {next(options, '')}".strip()
        if word == "-c":  # a command line: nothing to name it by
            return f"{program} -c"
        if not word.startswith("-"):
            return f"{program} {Path(word).name}"
    return program


def others(
    before: Snapshot, after: Snapshot, counted: Iterable[int], most: int = 3
) -> tuple[tuple[str, float], ...]:
    """The ``most`` busiest live processes not in ``counted``, by ``short_name``."""
    left_out = set(counted)
    by_name: dict[str, float] = {}
    for process in after.processes.values():
        if process.pid not in left_out:
            name = short_name(process)
            by_name[name] = by_name.get(name, 0.0) + own_seconds(before, after, process.pid)
    busiest = sorted(by_name.items(), key=lambda item: item[1], reverse=True)[:most]
    return tuple((name, seconds) for name, seconds in busiest if seconds > 0)


def where_the_cores_went(
    before: Snapshot, after: Snapshot, shares: Sequence[Share], counted: Iterable[int] = ()
) -> list[Share]:
    """``shares`` and, after them, what the machine spent on anything else (other work,
    processes that exited, the kernel; its busiest processes outside ``counted`` named),
    what the host took and what stayed idle; together they add up to every core over the
    time between the snapshots."""
    busy = (after.machine.busy - before.machine.busy) / TICKS_PER_SECOND
    rest = Share(
        REST, busy - sum(share.seconds for share in shares), others(before, after, counted)
    )
    stolen = (after.machine.stolen - before.machine.stolen) / TICKS_PER_SECOND
    idle = (after.machine.idle - before.machine.idle) / TICKS_PER_SECOND
    return [*shares, rest, Share(STOLEN, stolen), Share(IDLE, idle)]
