"""The CPU accounting of the scale-out benchmark: reading ``/proc`` and adding up where the
cores went, on made-up snapshots (no timing, nothing measured)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from order_completion.bench import cpu
from order_completion.bench.cpu import Machine, Process, Share, Snapshot

TICK = cpu.TICKS_PER_SECOND


def stat_line(
    pid: int, name: str, parent: int, *, ticks: tuple[int, int] = (0, 0), reaped: int = 0
) -> str:
    """A ``/proc/PID/stat`` line: utime, stime, cutime, cstime and starttime where proc(5)
    puts them (fields 14 to 17 and 22), the rest zeros."""
    fields = ["S", str(parent)] + ["0"] * 9
    fields += [str(ticks[0]), str(ticks[1]), str(reaped), "0"] + ["0"] * 4 + ["777"]
    fields += ["0"] * 30
    return f"{pid} ({name}) " + " ".join(fields)


def process(
    pid: int,
    ticks: int,
    *,
    parent: int = 1,
    name: str = "python",
    reaped: int = 0,
    started: int = 100,
    command: str = "",
) -> Process:
    return Process(pid, parent, name, started, ticks, reaped, command)


def moment(busy: int, idle: int, *processes: Process, stolen: int = 0) -> Snapshot:
    return Snapshot(Machine(busy, idle, stolen), {p.pid: p for p in processes})


def test_a_stat_line_is_read_from_the_last_parenthesis() -> None:
    read = cpu.parse_process(stat_line(42, "a (b) c", 7, ticks=(30, 12), reaped=5), "x y")
    assert read == Process(42, 7, "a (b) c", 777, 42, 5, "x y")


def test_the_machine_line_splits_busy_idle_and_stolen() -> None:
    machine = cpu.parse_machine("cpu  10 1 5 100 7 2 3 4 0 0\ncpu0 5 0 2 50 3 1 1 2 0 0\n")
    assert machine == Machine(busy=10 + 1 + 5 + 2 + 3, idle=100 + 7, stolen=4)
    assert machine.total == 21 + 107 + 4


def test_a_tree_counts_its_children_that_exited_in_between() -> None:
    server = process(10, 100)
    child = process(11, 50, parent=10)
    before = moment(0, 0, server, child, process(99, 500))
    # The child exited after using 30 more ticks; the server waited for it.
    after = moment(0, 0, process(10, 120, reaped=80), process(99, 900))
    assert cpu.tree_seconds(before, after, [10]) == pytest.approx((120 + 80 - 150) / TICK)


def test_a_tree_holds_grandchildren_and_no_one_else() -> None:
    snapshot = moment(
        0,
        0,
        process(10, 1),
        process(11, 1, parent=10),
        process(12, 1, parent=11),
        process(13, 1, parent=2),
    )
    assert sorted(p.pid for p in cpu.tree(snapshot, [10])) == [10, 11, 12]
    assert cpu.tree(snapshot, [404]) == []


def test_a_process_counts_from_zero_when_born_or_its_pid_reused() -> None:
    before = moment(0, 0, process(5, 100), process(6, 100))
    after = moment(0, 0, process(5, 130), process(6, 40, started=900), process(7, 20))
    assert cpu.own_seconds(before, after, 5) == pytest.approx(30 / TICK)
    assert cpu.own_seconds(before, after, 6) == pytest.approx(40 / TICK)
    assert cpu.own_seconds(before, after, 7) == pytest.approx(20 / TICK)
    assert cpu.own_seconds(before, after, 8) == 0.0


def test_postgresql_is_found_by_its_postmaster_and_a_database_by_its_backends() -> None:
    snapshot = moment(
        0,
        0,
        process(1, 0, parent=0, name="init"),
        process(20, 0, name="postgres", command="/usr/lib/postgresql/15/bin/postgres -D x"),
        process(21, 0, parent=20, name="postgres", command="postgres: 15/main: checkpointer"),
        process(22, 0, parent=20, name="postgres", command="postgres: 15/main: u bench 1(2) idle"),
        process(23, 0, parent=20, name="postgres", command="postgres: 15/main: u bench2 1(3) idle"),
    )
    assert cpu.postmasters(snapshot) == [20]
    assert cpu.backends_of(snapshot, "bench") == [22]


def test_the_rest_of_the_machine_is_what_the_shares_leave_and_names_its_busiest() -> None:
    before = moment(
        1000, 5000, process(30, 0, command="python /tmp/seed.py x"), process(31, 0), stolen=10
    )
    after = moment(
        1000 + 4 * TICK,
        5000 + 1 * TICK,
        process(30, 2 * TICK, command="python /tmp/seed.py x"),
        process(31, 1 * TICK, command="python -m pytest -q"),
        stolen=10 + TICK // 2,
    )
    shares = cpu.where_the_cores_went(before, after, [Share("server", 1.5)], counted=[31])
    by_name = {share.name: share for share in shares}
    assert by_name[cpu.REST].seconds == pytest.approx(2.5)
    assert by_name[cpu.REST].parts == (("python seed.py", pytest.approx(2.0)),)
    assert by_name[cpu.STOLEN].seconds == pytest.approx(0.5)
    assert by_name[cpu.IDLE].seconds == pytest.approx(1.0)
    assert sum(share.seconds for share in shares) == pytest.approx(5.5)


@pytest.mark.parametrize(
    ("command", "name", "expected"),
    [
        ("/work/.venv/bin/python -m pytest -q", "python", "python pytest"),
        ("python3 /tmp/m/seed.py sqlite", "python3", "python3 seed.py"),
        ("python -c from multiprocessing.spawn import spawn_main", "python", "python -c"),
        ("python -B -m uvicorn app:app --workers 2", "python", "python uvicorn"),
        ("/usr/sbin/redis-server 127.0.0.1:6379", "redis-server", "redis-server"),
        ("", "kworker/u8:3-writeback", "kworker"),
    ],
)
def test_a_process_is_named_by_its_program_and_script(
    command: str, name: str, expected: str
) -> None:
    assert cpu.short_name(process(1, 0, name=name, command=command)) == expected


def test_a_snapshot_of_a_made_up_proc_reads_each_process(tmp_path: Path) -> None:
    (tmp_path / "stat").write_text("cpu  1 2 3 4 5 6 7 8 0 0\n")
    (tmp_path / "12").mkdir()
    (tmp_path / "12" / "stat").write_text(stat_line(12, "serve", 1, ticks=(3, 4)))
    (tmp_path / "12" / "cmdline").write_bytes(b"python\0-m\0order_completion\0")
    (tmp_path / "13").mkdir()  # exited while it was read: no stat
    (tmp_path / "self").mkdir()
    snapshot = cpu.snapshot(tmp_path)
    assert snapshot.machine == Machine(1 + 2 + 3 + 6 + 7, 4 + 5, 8)
    assert snapshot.processes == {
        12: Process(12, 1, "serve", 777, 7, 0, "python -m order_completion")
    }


def test_the_real_proc_holds_this_process() -> None:
    snapshot = cpu.snapshot()
    mine = snapshot.processes[os.getpid()]
    assert mine.parent == os.getppid()
    assert mine.ticks >= 0
