"""The pure parts of the scale-out benchmark: which connections a server accepted, and how a
run's CPU reads as cores (made-up numbers; nothing is started or timed)."""

from __future__ import annotations

import pytest

from order_completion.bench import cpu, scaleout
from order_completion.bench.cpu import Share
from order_completion.bench.measure import Result
from order_completion.bench.scaleout import Compared, Measured

TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 101 1
   2: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 102 1
   3: 0100007F:1F90 0100007F:C351 06 00000000:00000000 00:00000000 00000000     0        0 0 1
   4: 0100007F:1538 0100007F:C352 01 00000000:00000000 00:00000000 00000000     0        0 104 1
"""


def test_the_accepted_connections_are_the_established_ones_to_the_port() -> None:
    # 0x1F90 = 8080: the listening socket, the client's own end, a closing one and another
    # port's connection are left out.
    assert scaleout.accepted(TCP, 8080) == {0xC350: 101}


def run(
    label: str,
    rate: float,
    shares: dict[str, float],
    held: tuple[int, ...],
    sessions: int | None = None,
) -> Measured:
    result = Result(label, "postgresql", int(rate * 10), 10.0, [0.01] * 10)
    api = Share(scaleout.API, shares[scaleout.API], (("supervisor", 0.0), ("a", 6.0), ("b", 4.0)))
    rest = [Share(name, seconds) for name, seconds in shares.items() if name != scaleout.API]
    return Measured(result, [api, *rest], b"{}", held, sessions)


def spent(api: float, postgres: float, client: float, rest: float, idle: float) -> dict[str, float]:
    return {
        scaleout.API: api,
        scaleout.POSTGRES: postgres,
        scaleout.CLIENT: client,
        cpu.REST: rest,
        cpu.STOLEN: 0.0,
        cpu.IDLE: idle,
    }


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scaleout.os, "cpu_count", lambda: 2)


@pytest.mark.usefixtures("two_cores")
def test_a_run_reads_as_cores_over_its_own_length() -> None:
    # 20 CPU seconds in all on 2 cores: a run of 10 s.
    measured = run("GET, 2", 600, spent(10.0, 4.0, 1.0, 4.0, 1.0), (16, 16))
    assert measured.wall == pytest.approx(10.0)
    row = scaleout.cores_row(measured)
    assert row[:4] == ["GET, 2", "10.0", "1.00 (0.60 + 0.40)", "16 + 16"]
    assert row[5:7] == ["0.40 (0.00)", "—"]  # PostgreSQL, and no sessions counted
    assert row[-3:] == ["0.40", "0.00", "0.10"]


@pytest.mark.usefixtures("two_cores")
def test_the_verdict_says_the_gain_and_whether_the_cores_were_full() -> None:
    path = Compared(
        "GET completionCase/{id}",
        [
            run("ours, 1", 500, spent(8.0, 4.0, 1.0, 6.0, 1.0), (32,)),
            run("ours, 2", 600, spent(10.0, 4.0, 1.0, 4.9, 0.1), (16, 16), sessions=40),
        ],
        [
            run("minimal, 1", 4000, spent(8.0, 0.0, 4.0, 6.0, 2.0), (32,)),
            run("minimal, 2", 6000, spent(10.0, 0.0, 5.0, 4.0, 1.0), (16, 16)),
        ],
    )
    text = scaleout.verdict(path)
    assert "gave 1.20 times the rate of one (the minimal app 1.50 times)" in text
    assert "API processes 1.00, PostgreSQL 0.40, client 0.10" in text
    assert "held 16 + 16 connections and opened 40 PostgreSQL sessions" in text
    assert "The cores were full" in text
    # 11 CPU seconds over 6,000 requests without PostgreSQL's (no backend of the run is
    # open at the end), 15 with all of it: 1.83 and 2.50 ms each, 1,091 and 800/s on 2 cores.
    assert "Each request cost 1.83 ms of CPU (API processes 1.67, this run's" in text
    assert "or 2.50 ms counting all of PostgreSQL (0.67)" in text
    assert "would carry 800 to 1,091/s. Backends that exited" in text
    figures = scaleout.figures(path)
    assert [figure.measured for figure in figures] == pytest.approx([500, 600, 1.2])
    assert [figure.raw for figure in figures] == pytest.approx([4000, 6000, 1.5])
