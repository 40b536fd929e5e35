"""Benchmark: one against two API processes (``serve --workers N``) on PostgreSQL.

With one process, the Python of each request (validation, SQLAlchemy, the events of a
case) is what holds a rate back; a second process can add a second core's worth, if the
machine has one to give. So each path runs against ``serve --workers 1`` and then
``--workers 2``, started as a user starts them, with a separate ``worker`` process where the
path leaves work for one (new orders fill the outbox), and is driven over loopback by the
lean client of ``loopback.py``:

- consumer orders POSTed to ``completionCase``, each process count on a fresh database;
- ``GET completionCase/{id}`` over a few thousand seeded cases.

Beside each, the same requests to a minimal app under the same uvicorn with 1 and with 2
processes, answering a constant body of the same size: what the server and the machine
could give at that moment. The client, the server processes and PostgreSQL share the
machine's cores, so each timed run also says where the cores went (``cpu.py``).

SQLite is left out: ``serve`` refuses several processes on it (one writer per file).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import random
import secrets
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from order_completion.bench import b2c, cpu, plain, reads
from order_completion.bench.b2c import Target, fresh_database, wait_healthy
from order_completion.bench.loopback import Answer, Connection, send_over
from order_completion.bench.measure import Result
from order_completion.bench.report import Grid
from order_completion.bench.summary import Figure

Progress = Callable[[str], None]
Send = Callable[[], Awaitable[tuple[Result, list[Answer]]]]
# Given open connections, how many requests and a label: the timed sending of them, made
# ready beforehand (bodies encoded, paths drawn) so that the timing holds only the sending.
Load = Callable[[Sequence[Connection], int, str], Send]

PROCESSES = (1, 2)
DATABASE = "postgresql"
# Requests per connection before the timed run: every process has opened its connections
# to PostgreSQL and run each statement once, so the run measures the steady state.
WARM_UP_PER_CONNECTION = 4
ESTABLISHED = "01"  # the state of an established connection in /proc/net/tcp
# How many times, on average, a connection may be opened again to even out the spread.
RETRIES_PER_CONNECTION = 5
SKIPPED = (
    "scaleout: measured on PostgreSQL only (serve refuses --workers above 1 on SQLite, "
    "which has one writer per file); {database} skipped"
)

API = "API processes"
WORKER = "worker"
POSTGRES = "PostgreSQL"
CLIENT = "client"
BACKENDS = "backends of this run"
CORES_TITLE = "Scale-out on PostgreSQL: where the cores went during each timed run (in cores)"
CORES_HEADERS = (
    "run",
    "seconds",
    "API processes (each)",
    "connections held (each process)",
    "worker process",
    "PostgreSQL, all of it (this run's backends open at the end)",
    "PostgreSQL sessions opened",
    "client (the bench)",
    cpu.REST,
    cpu.STOLEN,
    cpu.IDLE,
)
SCALE_TITLE = "Scale-out on PostgreSQL: 1 against 2 API processes, beside a minimal app"
SCALE_HEADERS = ("path", "measure", "server", "1 process", "2 processes", "2 / 1")
# Under this share of the cores left idle (or taken by the host), the cores were full.
FULL = 0.05


def processes_named(count: int) -> str:
    return f"{count} process{'es' if count > 1 else ''}"


@dataclass(frozen=True)
class Watched:
    """The processes of one timed run whose CPU is counted apart."""

    server: int  # the server's first process: with several, their supervisor
    processes: int  # how many processes the server answers with
    worker: int | None
    url: str  # the run's database ("" for none): its backends and sessions are counted

    @property
    def database(self) -> str:
        return (make_url(self.url).database or "") if self.url else ""


@dataclass(frozen=True)
class Measured:
    """One timed run, where the cores went during it, and one of its answers' bodies."""

    result: Result
    shares: list[cpu.Share]
    body: bytes
    connections: tuple[int, ...]  # the client's connections each server process held
    # Sessions PostgreSQL opened to the run's database during it: past the pool's size,
    # connections are opened and closed again, and each new backend costs CPU.
    sessions: int | None = None

    def share(self, name: str) -> cpu.Share:
        return next((share for share in self.shares if share.name == name), cpu.Share(name, 0.0))

    @property
    def wall(self) -> float:
        """The run's length as the machine counted it: every core's time, over the cores."""
        return sum(share.seconds for share in self.shares) / (os.cpu_count() or 1)

    def cores(self, seconds: float) -> float:
        """CPU seconds of this run as cores kept busy throughout it."""
        return seconds / self.wall if self.wall else 0.0


def shares(before: cpu.Snapshot, after: cpu.Snapshot, watched: Watched) -> list[cpu.Share]:
    """Where the cores went between two snapshots: the server's processes (each apart),
    the worker, PostgreSQL (all of it, since backends come and go; those of this run's
    database apart), this process (the client), and the rest of the machine."""
    server = cpu.tree(after, [watched.server])
    each = tuple((p.command, cpu.own_seconds(before, after, p.pid)) for p in server)
    found = [cpu.Share(API, cpu.tree_seconds(before, after, [watched.server]), each)]
    workers = [watched.worker] if watched.worker is not None else []
    if workers:
        found.append(cpu.Share(WORKER, cpu.tree_seconds(before, after, workers)))
    mine = cpu.backends_of(after, watched.database) if watched.database else []
    backends = sum(cpu.own_seconds(before, after, pid) for pid in mine)
    postmasters = cpu.postmasters(after)
    postgres = cpu.tree_seconds(before, after, postmasters)
    found.append(cpu.Share(POSTGRES, postgres, ((BACKENDS, backends),)))
    found.append(cpu.Share(CLIENT, cpu.own_seconds(before, after, os.getpid())))
    roots = [watched.server, *workers, *postmasters, os.getpid()]
    counted = [process.pid for process in cpu.tree(after, roots)]
    return cpu.where_the_cores_went(before, after, found, counted)


async def measure(
    server: reads.Server,
    load: Load,
    count: int,
    connections: int,
    label: str,
    watched: Watched,
) -> Measured:
    """Connections shared evenly by the server's processes (``spread``), a warm-up over
    them, then ``count`` requests over the same connections between two snapshots of the
    machine's CPU; the server's CPU per request goes into the result, as the reads suite
    reports it."""
    lanes, held = await spread(server, watched.processes, connections, load)
    try:
        await load(lanes, connections * WARM_UP_PER_CONNECTION, "warm-up")()
        send = load(lanes, count, label)
        opened = await sessions(watched.url)
        before = cpu.snapshot()
        result, answers = await send()
        after = cpu.snapshot()
        closed = await sessions(watched.url)
    finally:
        for lane in lanes:
            await lane.close()
    spent = shares(before, after, watched)
    server_seconds = next(share.seconds for share in spent if share.name == API)
    result = dataclasses.replace(result, server_cpu_ms=server_seconds * 1000 / result.count)
    # The second count's own session is one of those it counts.
    during = None if opened is None or closed is None else closed - opened - 1
    return Measured(result, spent, answers[0].body, held, during)


async def spread(
    server: reads.Server, processes: int, count: int, load: Load
) -> tuple[list[Connection], tuple[int, ...]]:
    """``count`` connections, as evenly shared by the server's processes as it can, and
    how many each process holds.

    The processes of ``uvicorn --workers`` accept from one listening socket, and the kernel
    does not balance them: connections opened together wait in its queue until a process
    wakes, and that one accepts them all; on a busy machine the process that just ran
    tends to win each race. So connections are opened one at a time, each answers one
    request of ``load``, and one that lands on a process holding its share already is
    closed and opened again (a bounded number of times: past that, the spread is what it
    is, and the report says so)."""
    port = urlsplit(server.base).port or 0
    members = [process.pid for process in cpu.tree(cpu.snapshot(), [server.process.pid])]
    held = dict.fromkeys(members, 0)
    fair = -(-count // processes)  # what one process may hold
    lanes: list[Connection] = []
    retries = count * RETRIES_PER_CONNECTION
    try:
        while len(lanes) < count:
            lane = await Connection.open(server.base)
            await load([lane], 1, "opening")()
            holder = holder_of(port, lane.local_port, members)
            if holder is not None and held[holder] >= fair and retries:
                retries -= 1
                await lane.close()
                continue
            lanes.append(lane)
            if holder is not None:
                held[holder] += 1
    except BaseException:
        for lane in lanes:
            await lane.close()
        raise
    return lanes, tuple(count for count in held.values() if count)


async def answered(
    sending: Awaitable[tuple[Result, list[Answer]]], status: int
) -> tuple[Result, list[Answer]]:
    """The answers of ``sending``; any other status than ``status`` stops the run."""
    result, answers = await sending
    wrong = [answer.status for answer in answers if answer.status != status]
    if wrong:
        raise RuntimeError(f"{len(wrong)} answers were not {status}: {wrong[:5]}")
    return result, answers


def order_load(token: str, path: str) -> Load:
    """Consumer orders of their own, POSTed to ``path``, each answered 201."""
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    def ready(lanes: Sequence[Connection], count: int, label: str) -> Send:
        requests = [("POST", path, body) for body in b2c.order_bodies(count)]
        return lambda: answered(send_over(lanes, requests, headers, label, DATABASE), 201)

    return ready


def read_load(path: Callable[[], str], headers: dict[str, str]) -> Load:
    """GETs of ``path()``, each answered 200."""

    def ready(lanes: Sequence[Connection], count: int, label: str) -> Send:
        requests = [("GET", path(), b"") for _ in range(count)]
        return lambda: answered(send_over(lanes, requests, headers, label, DATABASE), 200)

    return ready


def accepted(table: str, port: int) -> dict[int, int]:
    """From the text of ``/proc/net/tcp``, the established connections a server on local
    ``port`` has accepted: the client's port, and the inode of the server's socket."""
    found = {}
    for line in table.splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
        if int(local, 16) == port and fields[3] == ESTABLISHED:
            found[int(remote, 16)] = int(fields[9])
    return found


def socket_inodes(pid: int) -> set[int]:
    """The inodes of the sockets a process holds open (Linux)."""
    found = set()
    with contextlib.suppress(OSError):
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(descriptor)
                if target.startswith("socket:["):
                    found.add(int(target[len("socket:[") : -1]))
    return found


def holder_of(port: int, client_port: int, processes: Sequence[int]) -> int | None:
    """Which of ``processes`` holds the server side of the connection from ``client_port``."""
    inode = accepted(Path("/proc/net/tcp").read_text(), port).get(client_port)
    return next((pid for pid in processes if inode in socket_inodes(pid)), None)


async def sessions(url: str) -> int | None:
    """How many sessions PostgreSQL has opened to the database of ``url`` so far, this
    one included; ``None`` for no database."""
    if not url:
        return None
    return await plain.count(
        url, "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
    )


@asynccontextmanager
async def serving(
    processes: int, env: dict[str, str], log: IO[bytes]
) -> AsyncIterator[reads.Server]:
    """``order-completion serve --workers N --no-worker``, healthy; stopped on the way out."""
    command = ["order_completion", "serve", "--workers", str(processes), "--no-worker"]
    server = reads.start(command, env, log)
    try:
        await wait_healthy(server.base, server.process)
        yield server
    finally:
        await reads.stop(server)


@asynccontextmanager
async def minimal_app(
    body: bytes, folder: Path, env: dict[str, str], log: IO[bytes], processes: int
) -> AsyncIterator[reads.Server]:
    """The reads suite's minimal app answering ``body``, under uvicorn with ``processes``."""
    server = await reads.start_baseline(body, folder, env, log, processes)
    try:
        yield server
    finally:
        await reads.stop(server)


@asynccontextmanager
async def worker_process(env: dict[str, str], log: IO[bytes]) -> AsyncIterator[int]:
    """``order-completion worker`` beside the API processes, as the README runs it."""
    process = b2c.start_command(["worker"], env, log)
    try:
        yield process.pid
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 15)


def baseline_label(what: str, processes: int) -> str:
    return f"{what}, minimal app, {processes_named(processes)} (baseline)"


@dataclass(frozen=True)
class Compared:
    """One path with 1 and 2 API processes, and the minimal app with 1 and 2."""

    name: str
    ours: Sequence[Measured]
    minimal: Sequence[Measured]

    def runs(self) -> Iterator[Measured]:
        yield from self.ours
        yield from self.minimal


async def orders(
    target: Target, count: int, concurrency: int, requests: int, progress: Progress
) -> Compared:
    """``count`` consumer orders to ``serve --workers N`` beside a worker, each N on a
    fresh database; then ``requests`` of them to the minimal app, answering 201 with as
    many bytes."""
    ours = []
    for processes in PROCESSES:
        progress(f"{DATABASE}: {count:,} B2C orders over HTTP, serve --workers {processes}")
        token = secrets.token_urlsafe(24)  # this run's own admin token, never stored
        async with fresh_database(target, "scaleout") as url:
            env = reads.environment(url, token)
            with tempfile.TemporaryFile() as log:
                async with worker_process(env, log) as worker, serving(processes, env, log) as api:
                    load = order_load(token, b2c.CASES_PATH)
                    label = f"B2C orders over HTTP, serve --workers {processes}"
                    watched = Watched(api.process.pid, processes, worker, url)
                    ours.append(await measure(api, load, count, concurrency, label, watched))
    body = ours[0].body
    load = order_load("none", "/baseline")
    what = f"201 with {len(body):,} B"
    minimal = await minimal_runs(body, what, load, requests, concurrency, progress)
    return Compared("B2C orders over HTTP", ours, minimal)


async def reads_of_one_case(
    target: Target, scale: int, requests: int, connections: int, progress: Progress
) -> Compared:
    """``scale`` seeded cases read one at a time from ``serve --workers N`` (no worker:
    reads leave it nothing to do), on one database seeded once; then as many GETs to the
    minimal app answering the bytes of one case."""
    progress(f"{DATABASE}: template cases through the real handlers")
    templates = await reads.template_cases(target)
    token = secrets.token_urlsafe(24)  # this run's own admin token, never stored
    auth = {"authorization": f"Bearer {token}"}
    scenario = reads.one_case(scale)
    chosen = random.Random(7)
    ours = []
    async with fresh_database(target, "scaleout_reads") as url:
        progress(f"{DATABASE}: seeding {scale:,} cases")
        await reads.seed(url, templates, scale, progress)
        env = reads.environment(url, token)
        with tempfile.TemporaryFile() as log:
            for processes in PROCESSES:
                progress(f"{DATABASE}: {requests:,} GETs of one case, serve --workers {processes}")
                async with serving(processes, env, log) as api:
                    load = read_load(lambda: scenario.path(chosen), auth)
                    label = f"GET one case, serve --workers {processes}"
                    watched = Watched(api.process.pid, processes, None, url)
                    ours.append(await measure(api, load, requests, connections, label, watched))
    body = ours[0].body
    load = read_load(lambda: "/baseline", auth)
    what = f"constant {len(body):,} B"
    minimal = await minimal_runs(body, what, load, requests, connections, progress)
    return Compared("GET completionCase/{id}", ours, minimal)


async def minimal_runs(
    body: bytes, what: str, load: Load, count: int, connections: int, progress: Progress
) -> list[Measured]:
    """The minimal app answering ``body``, with 1 and then 2 processes, under ``load``."""
    runs = []
    with tempfile.TemporaryDirectory() as folder, (Path(folder) / "log").open("wb") as log:
        for processes in PROCESSES:
            label = baseline_label(what, processes)
            progress(f"{DATABASE}: {count:,} requests, {label}")
            async with minimal_app(body, Path(folder), dict(os.environ), log, processes) as app:
                watched = Watched(app.process.pid, processes, None, "")
                runs.append(await measure(app, load, count, connections, label, watched))
    return runs


def results(path: Compared) -> list[Result]:
    """Each run of ours beside the minimal app's run with as many processes."""
    found = []
    for mine, theirs in zip(path.ours, path.minimal, strict=True):
        label = theirs.result.label
        found.append(dataclasses.replace(mine.result, compared_with=label))
        found.append(dataclasses.replace(theirs.result, compared_with=label))
    return found


def gain(runs: Sequence[Measured]) -> float:
    """How many times the rate of the first run the last one reached."""
    first, last = runs[0].result.rate, runs[-1].result.rate
    return last / first if first else 0.0


def figures(path: Compared) -> list[Figure]:
    """The rate with 1 and with 2 API processes, each against the minimal app with as
    many, and the gain from the second process against the minimal app's."""
    found = [
        Figure(
            f"{path.name}, {processes_named(processes)}",
            DATABASE,
            mine.result.rate,
            "/s",
            raw=theirs.result.rate,
            raw_source=f"minimal app, {processes_named(processes)}",
        )
        for processes, mine, theirs in zip(PROCESSES, path.ours, path.minimal, strict=True)
    ]
    found.append(
        Figure(
            f"{path.name}, 2 processes against 1",
            DATABASE,
            gain(path.ours),
            "x",
            raw=gain(path.minimal),
            raw_source="minimal app, 2 processes against 1",
            decimals=2,
        )
    )
    return found


def scale_rows(path: Compared) -> list[list[str]]:
    """Rate, p50 and p95 of ours and of the minimal app, with 1 and 2 processes."""
    measures: list[tuple[str, Callable[[Result], float], str]] = [
        ("per second", lambda result: result.rate, ""),
        ("p50", lambda result: result.percentile(0.5), " ms"),
        ("p95", lambda result: result.percentile(0.95), " ms"),
    ]
    rows = []
    for measure_name, value, unit in measures:
        for server, runs in (("ours", path.ours), ("minimal app", path.minimal)):
            one, two = (value(run.result) for run in runs)
            ratio = f"{two / one:.2f}" if one else "—"
            rows.append(
                [path.name, measure_name, server, f"{one:,.1f}{unit}", f"{two:,.1f}{unit}", ratio]
            )
    return rows


def cores_row(run: Measured) -> list[str]:
    """One timed run's cores: the API processes with each process's share, PostgreSQL with
    that of this run's backends, the rest of the machine with its busiest processes."""

    def amount(seconds: float) -> str:
        return f"{run.cores(seconds):.2f}"

    api = run.share(API)
    each = [seconds for _, seconds in api.parts if run.cores(seconds) >= 0.01]
    postgres = run.share(POSTGRES)
    worker = run.share(WORKER).seconds
    return [
        run.result.label,
        f"{run.wall:.1f}",
        amount(api.seconds) + (f" ({' + '.join(map(amount, each))})" if len(each) > 1 else ""),
        held(run),
        amount(worker) if worker else "—",
        f"{amount(postgres.seconds)} ({amount(sum(s for _, s in postgres.parts))})",
        "—" if run.sessions is None else f"{run.sessions:,}",
        amount(run.share(CLIENT).seconds),
        busiest(run, run.share(cpu.REST)),
        amount(run.share(cpu.STOLEN).seconds),
        amount(run.share(cpu.IDLE).seconds),
    ]


def held(run: Measured) -> str:
    return " + ".join(str(count) for count in run.connections) or "—"


def busiest(run: Measured, share: cpu.Share) -> str:
    """A share in cores, with those of its named parts that kept a tenth of a core busy."""
    shown = [
        f"{name} {run.cores(seconds):.2f}"
        for name, seconds in share.parts
        if run.cores(seconds) >= 0.1
    ]
    return f"{run.cores(share.seconds):.2f}" + (f" ({', '.join(shown)})" if shown else "")


def verdict(path: Compared) -> str:
    """What limited the path with 2 API processes, from where the cores went."""
    run = path.ours[-1]
    cores = os.cpu_count() or 1
    free = run.cores(run.share(cpu.IDLE).seconds + run.share(cpu.STOLEN).seconds)
    names = [API, POSTGRES, CLIENT, *([WORKER] if run.share(WORKER).seconds else [])]
    spent = [f"{name} {run.cores(run.share(name).seconds):.2f}" for name in names]
    spent.append(f"{cpu.REST} {busiest(run, run.share(cpu.REST))}")
    spent += [f"{name} {run.cores(run.share(name).seconds):.2f}" for name in (cpu.STOLEN, cpu.IDLE)]
    text = (
        f"{path.name}: a second API process gave {gain(path.ours):.2f} times the rate of "
        f"one (the minimal app {gain(path.minimal):.2f} times). With 2, the {cores} cores "
        f"went to: {', '.join(spent)}; the API processes held {held(run)} connections"
    )
    if run.sessions:
        text += f" and opened {run.sessions:,} PostgreSQL sessions during the run"
    text += "."
    if free < FULL * cores:
        text += " The cores were full: a second process can only take CPU from the others."
    else:
        text += f" {free:.2f} cores were left free."
    if run.cores(run.share(CLIENT).seconds) >= 0.9:
        text += " The client, one Python process, used a whole core."
    return text + " " + ceiling(run)


def ceiling(run: Measured) -> str:
    """The CPU one request cost everything it ran through, and the rate the machine's
    cores could carry at that cost with nothing else running: what the machine limits,
    apart from the other work that shared it. PostgreSQL is counted two ways: by this
    run's backends open at the end (short of any that exited during the run), and whole
    (with its other users' work, if any); the truth lies between."""

    def ms(seconds: float) -> str:
        return f"{seconds * 1000 / run.result.count:.2f}"

    postgres = run.share(POSTGRES)
    own = sum(seconds for _, seconds in postgres.parts)
    others = sum(run.share(name).seconds for name in (API, WORKER, CLIENT))
    parts = ", ".join(
        f"{name} {ms(run.share(name).seconds)}" for name in (API, WORKER) if run.share(name).seconds
    )
    cores = os.cpu_count() or 1
    least, most = (
        cores * run.result.count / spent if spent else 0.0
        for spent in (others + postgres.seconds, others + own)
    )
    client = ms(run.share(CLIENT).seconds)
    text = (
        f"Each request cost {ms(others + own)} ms of CPU ({parts}, this run's PostgreSQL "
        f"backends {ms(own)}, client {client}), or {ms(others + postgres.seconds)} ms "
        f"counting all of PostgreSQL ({ms(postgres.seconds)}): {cores} cores with nothing "
        f"else to run would carry {least:,.0f} to {most:,.0f}/s."
    )
    if run.sessions:
        text += " Backends that exited during the run count only in the second figure."
    return text


def load_average() -> str:
    """The machine's load over the last 1, 5 and 15 minutes: how busy others kept it."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass(frozen=True)
class ScaleOutRun:
    """What the suite measured: its timed paths, figures, tables and notes."""

    results: list[Result]
    figures: list[Figure]
    grids: list[Grid]
    notes: list[str]


async def bench_target(
    target: Target,
    *,
    cases: int,
    concurrency: int,
    scale: int,
    requests: int,
    connections: int,
    progress: Progress,
) -> ScaleOutRun:
    """Both paths on PostgreSQL, with the load average before and after them; on any
    other database, only a note saying why it was skipped."""
    if target.name != DATABASE:
        return ScaleOutRun([], [], [], [SKIPPED.format(database=target.name)])
    started = load_average()
    paths = [
        await orders(target, cases, concurrency, requests, progress),
        await reads_of_one_case(target, scale, requests, connections, progress),
    ]
    ended = load_average()
    notes = [verdict(path) for path in paths]
    notes.append(
        f"scaleout: load average (1, 5, 15 min) {started} at the start, {ended} at the end"
    )
    return ScaleOutRun(
        [result for path in paths for result in results(path)],
        [figure for path in paths for figure in figures(path)],
        grids(paths),
        notes,
    )


def grids(paths: Sequence[Compared]) -> list[Grid]:
    return [
        Grid(SCALE_TITLE, SCALE_HEADERS, [row for path in paths for row in scale_rows(path)]),
        Grid(CORES_TITLE, CORES_HEADERS, [cores_row(run) for path in paths for run in path.runs()]),
    ]
