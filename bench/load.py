"""`python -m bench.load`: the real server under load, then a check that no acknowledged event was lost.

One `streamlit run serve.py` process (tests/e2e/conftest.py's `Server`) on a generated database, and, in
this process, for `--seconds`:
  - UI sessions speaking Streamlit's own websocket protocol (/_stcore/stream, protobuf BackMsg and
    ForwardMsg, as the browser's frontend does), signed in by a login cookie minted as the sign-in form
    mints it, each opening the dashboards one after another with a pause between pages;
  - API clients posting to /api/v1/analytics/track as fast as the answers come back: some send batches
    of `--batch-events`, others one event per request, each on its own kept-alive connection.
Then the server is stopped and the database is read: every acknowledged event_id must be stored exactly
once, and nothing not sent may be there. Prints the figures (one `figure:` line each).

The clients are deliberately thin (a hand-written HTTP/1.1 request in one write, protobuf over a raw
websocket) because they share the machine's cores with the server; 20 headless Chromium pages would
spend most of the CPU on rendering instead of loading the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import jwt
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from analytics.auth import accounts, passwords, sessions, tokens
from analytics.auth.cookie_key import check_cookie_key
from analytics.db import Database, forget_database, open_database
from analytics.viewer import SYSTEM
from config.settings import PROJECT_ROOT, load_settings

DASHBOARDS = ("Overview", "Engagement", "Behaviour", "Performance", "Funnels", "Paths")
"""Titles of the pages a UI session opens in turn (the real-time page reruns itself and is left out)."""
COOKIE_NAME = "pulse_login"
UI_ACCOUNT = "loadviewer"
TRACK_ACCOUNT = "loadtracker"
PASSWORD = "load test password, never used to sign in"
KINDS = ("lesson", "exercise", "exercise", "feature_use")
PAGE_TIMEOUT_S = 120.0
SLOW_PAGE_S = 2.0


@dataclass(frozen=True)
class LoadConfig:
    """How much load to apply and for how long. The defaults are the load test's: of the client mixes
    tried, two batch clients (their batches share each write) and 80 single-event clients reach both
    tracking targets at once with the most to spare (docs/reliability.md)."""

    seconds: float = 60.0
    ui_sessions: int = 20
    think_s: tuple[float, float] = (5.0, 15.0)
    batch_clients: int = 2
    batch_events: int = 1_000
    single_clients: int = 80
    users: int = 400


@dataclass(frozen=True)
class Credentials:
    """What the clients present: a tracking token and a login cookie for the UI account."""

    token: str
    cookie: str


@dataclass
class Tally:
    """One kind of client's outcomes: latencies of answered requests, statuses, acknowledged ids."""

    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)


@dataclass
class LoadResult:
    """Everything measured during one run; the event ids of the run start with `prefix`.

    `seconds` runs until the last answer; `tracking_s` until the last tracking answer (rates use it).
    """

    prefix: str
    seconds: float
    tracking_s: float
    batches: Tally
    singles: Tally
    pages: Tally
    server_cpu_s: float
    client_cpu_s: float


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank value below which `share` of `values` lie (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def prepare_database(db: Database, *, session_minutes: int = 240) -> Credentials:
    """Add the load's accounts to `db` (before the server opens it): a tracking token and a UI login.

    The cookie is made as ui.auth makes it: a JWT of (username, expiry stamp) under the configured key,
    whose session row `analytics.auth.sessions.start` records.
    """
    rounds, passwords.BCRYPT_ROUNDS = passwords.BCRYPT_ROUNDS, 4  # these passwords are never checked
    try:
        accounts.create_account(db, SYSTEM, TRACK_ACCOUNT, password=PASSWORD, role="analyst")
        accounts.create_account(db, SYSTEM, UI_ACCOUNT, password=PASSWORD, role="product_manager")
    finally:
        passwords.BCRYPT_ROUNDS = rounds
    token = tokens.create_token(db, SYSTEM, name="load", days=1, owner=TRACK_ACCOUNT, kind="tracking").token
    expiry_stamp = time.time() + session_minutes * 60
    sessions.start(db, UI_ACCOUNT, cookie_expiry_stamp=expiry_stamp, expiry_minutes=session_minutes)
    payload = {"username": UI_ACCOUNT, "exp_date": expiry_stamp}
    return Credentials(token=token, cookie=jwt.encode(payload, _cookie_key(), algorithm="HS256"))


def _cookie_key() -> str:
    """The key the server will sign cookies with: .streamlit/secrets.toml's, checked as ui.lifespan does."""
    import tomllib

    secrets_file = PROJECT_ROOT / ".streamlit" / "secrets.toml"
    configured = None
    if secrets_file.exists():
        configured = tomllib.loads(secrets_file.read_text()).get("auth", {}).get("cookie_key")
    return check_cookie_key(configured, demo_mode=load_settings().demo_mode)


class HttpConnection:
    """A kept-alive HTTP/1.1 connection that sends each request in one write and reads one answer."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{name}: {value}\r\n" for name, value in {"Host": host, **headers}.items())
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST `body` as JSON; (status, answer body)."""
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(
            f"POST {path} HTTP/1.1\r\n{self.head}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            await self.close()
            raise
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
        fields = {name.strip().lower(): value.strip() for name, value in fields.items()}
        answer = await reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, answer

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


def _body(ids: list[str], draw: random.Random, users: int, *, batch: bool) -> bytes:
    """The JSON body for events `ids` of random users: a list when `batch`, else the one event object.

    Written as text: json.dumps of a thousand event dicts takes about 8 ms of this process's one thread,
    which the server would then spend waiting for the next batch.
    """
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    window = int(time.time()) // 600
    events = []
    for event_id in ids:
        user = draw.randrange(users)
        session = f', "session_id": "load-session-{user:05d}-{window}"' if batch else ""
        events.append(
            f'{{"event_id": "{event_id}", "user_id": "load-user-{user:05d}", '
            f'"activity_type": "{KINDS[user % len(KINDS)]}", "timestamp": "{stamp}", '
            f'"properties": {{"duration_s": {user % 600}, "feature": "f{user % 20}"}}{session}}}'
        )
    return ("[" + ", ".join(events) + "]" if batch else events[0]).encode()


async def track(
    url: str, token: str, name: str, size: int, users: int, deadline: float, tally: Tally
) -> None:
    """Post batches of `size` events (one event object when size is 0) until `deadline` or a lost connection.

    Event ids are `name`-N; each is added to `tally.sent` before it is posted and to `tally.acked` when
    the answer says it is stored.
    """
    host, port = url.removeprefix("http://").split(":")
    connection = HttpConnection(host, int(port), {"Authorization": f"Bearer {token}"})
    draw = random.Random(name)
    sequence = 0
    while time.monotonic() < deadline:
        ids = [f"{name}-{sequence + offset}" for offset in range(max(size, 1))]
        sequence += len(ids)
        body = _body(ids, draw, users, batch=size > 0)
        tally.sent.update(ids)
        started = time.perf_counter()
        try:
            status, answer = await connection.post("/api/v1/analytics/track", body)
        except (OSError, asyncio.IncompleteReadError) as exc:
            tally.failures.append(f"{type(exc).__name__}: {exc}")
            return
        tally.latencies_s.append(time.perf_counter() - started)
        tally.statuses[status] += 1
        if status == 200:
            stored = json.loads(answer)
            tally.acked.extend(event_id for event_id in stored["event_ids"] if event_id is not None)
            if stored["event_ids"] != ids or stored["accepted"] != len(ids):
                tally.failures.append(f"answer does not match the request: {answer[:200]!r}")
        elif status == 429:
            await asyncio.sleep(1.0)
        else:
            tally.failures.append(f"HTTP {status}: {answer[:200]!r}")
    await connection.close()


def _rerun(page_script_hash: str = "") -> bytes:
    message = BackMsg()
    message.rerun_script.page_script_hash = page_script_hash
    message.rerun_script.context_info.timezone = "UTC"
    return message.SerializeToString()


async def _run_page(socket: websockets.ClientConnection, request: bytes) -> tuple[float, list[str], dict]:
    """Send one rerun and read until the script finishes: (seconds, problems shown, page hashes by title)."""
    started = time.perf_counter()
    await socket.send(request)
    problems: list[str] = []
    pages: dict[str, str] = {}
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(socket.recv(), PAGE_TIMEOUT_S))
        kind = message.WhichOneof("type")
        if kind == "navigation":
            pages = {page.page_name: page.page_script_hash for page in message.navigation.app_pages}
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            if element.WhichOneof("type") == "exception":
                problems.append(f"exception: {element.exception.message}")
            elif element.WhichOneof("type") == "alert" and element.alert.format == element.alert.ERROR:
                problems.append(f"error: {element.alert.body}")
        elif kind == "page_not_found":
            problems.append("page not found")
        elif kind == "script_finished":
            return time.perf_counter() - started, problems, pages


async def browse(
    url: str, cookie: str, number: int, config: LoadConfig, deadline: float, tally: Tally
) -> None:
    """One signed-in browser session: open the default page, then each dashboard in turn, until `deadline`.

    Sessions arrive spread over the first pause, as people do; twenty opening the app in the same
    millisecond would measure a queue that only the load generator makes.
    """
    draw = random.Random(number)
    address = url.replace("http://", "ws://") + "/_stcore/stream"
    headers = {"Cookie": f"{COOKIE_NAME}={cookie}"}
    await asyncio.sleep(draw.uniform(0, config.think_s[1]))
    try:
        async with websockets.connect(
            address, subprotocols=["streamlit"], additional_headers=headers, max_size=None
        ) as socket:
            request = _rerun()
            step = number
            while time.monotonic() < deadline:
                seconds, problems, pages = await _run_page(socket, request)
                tally.latencies_s.append(seconds)
                tally.failures.extend(problems)
                tally.statuses["page"] += 1
                if pages and not all(path in pages for path in DASHBOARDS):
                    tally.failures.append(f"menu lacks dashboards: {sorted(pages)}")
                    return
                request = _rerun(pages[DASHBOARDS[step % len(DASHBOARDS)]]) if pages else request
                step += 1
                await asyncio.sleep(draw.uniform(*config.think_s))
    except (OSError, TimeoutError, websockets.WebSocketException) as exc:
        tally.failures.append(f"session {number}: {type(exc).__name__}: {exc}")


async def warm_up(url: str, cookie: str) -> list[str]:
    """Open every dashboard once in one session, as a server in use has done (imports, first queries);
    the problems shown, if any."""
    address = url.replace("http://", "ws://") + "/_stcore/stream"
    problems: list[str] = []
    async with websockets.connect(
        address,
        subprotocols=["streamlit"],
        additional_headers={"Cookie": f"{COOKIE_NAME}={cookie}"},
        max_size=None,
    ) as socket:
        _, shown, pages = await _run_page(socket, _rerun())
        problems += shown
        for title in DASHBOARDS:
            problems += (await _run_page(socket, _rerun(pages[title])))[1]
    return problems


Answer = TypeVar("Answer")


def run_coroutine(coroutine: Coroutine[Any, Any, Answer]) -> Answer:
    """Run `coroutine` to the end in a thread of its own: Playwright's sync API (browser tests in the same
    pytest process) may own this thread's event loop, and asyncio.run refuses to start a second one."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


def run_prefix() -> str:
    """A prefix for the event ids of one run, unique on this machine."""
    return f"load{os.getpid()}x{time.time_ns()}-"


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of process `pid` so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def apply_load(url: str, credentials: Credentials, config: LoadConfig, server_pid: int) -> LoadResult:
    """Warm the server up, then run the UI sessions and API clients of `config` against it."""
    batches, singles, pages = Tally(), Tally(), Tally()
    pages.failures += await warm_up(url, credentials.cookie)
    started, cpu_started, server_started = time.monotonic(), time.process_time(), _cpu_seconds(server_pid)
    deadline = started + config.seconds
    run = run_prefix()
    trackers = [
        track(url, credentials.token, f"{run}b{n}", config.batch_events, config.users, deadline, batches)
        for n in range(config.batch_clients)
    ]
    trackers += [
        track(url, credentials.token, f"{run}s{n}", 0, config.users, deadline, singles)
        for n in range(config.single_clients)
    ]

    async def tracking() -> float:
        await asyncio.gather(*trackers)
        return time.monotonic() - started

    sessions = [
        browse(url, credentials.cookie, n, config, deadline, pages) for n in range(config.ui_sessions)
    ]
    tracking_s, *_ = await asyncio.gather(tracking(), *sessions)
    return LoadResult(
        prefix=run,
        seconds=time.monotonic() - started,
        tracking_s=tracking_s if trackers else config.seconds,
        batches=batches,
        singles=singles,
        pages=pages,
        server_cpu_s=_cpu_seconds(server_pid) - server_started,
        client_cpu_s=time.process_time() - cpu_started,
    )


@dataclass(frozen=True)
class Verification:
    """The stored events of a run against what its clients sent and were told was stored."""

    acknowledged: int
    stored: int
    stored_distinct: int
    missing: list[str]
    unexpected: list[str]

    @property
    def exact(self) -> bool:
        """Every acknowledged event stored once, and nothing stored that was not sent."""
        return not self.missing and not self.unexpected and self.stored == self.stored_distinct


def verify_stored(db: Database, prefix: str, tallies: list[Tally]) -> Verification:
    """Compare the stored events whose id starts with `prefix` with the ids `tallies` sent and saw acknowledged."""
    acked = {event_id for tally in tallies for event_id in tally.acked}
    sent = {event_id for tally in tallies for event_id in tally.sent}
    stored = [
        row[0] for row in db.rows("SELECT event_id FROM events WHERE starts_with(event_id, ?)", [prefix])
    ]
    found = set(stored)
    return Verification(
        acknowledged=len(acked),
        stored=len(stored),
        stored_distinct=len(found),
        missing=sorted(acked - found)[:10],
        unexpected=sorted(found - sent)[:10],
    )


def figures(result: LoadResult, check: Verification, config: LoadConfig) -> list[str]:
    """The run's figures, one line each, prefixed with 'figure:'."""
    seconds = result.tracking_s
    batch_events = len(result.batches.acked)
    lines = [
        f"load run: {seconds:.0f} s, {config.ui_sessions} UI sessions (pause {config.think_s[0]:g}-{config.think_s[1]:g} s "
        f"between pages), {config.batch_clients} batch clients x {config.batch_events:,} events, "
        f"{config.single_clients} single-event clients, 2 cores shared by server and clients",
        f"batches: {batch_events / seconds:,.0f} events/s accepted ({sum(result.batches.statuses.values()):,} requests, "
        f"p50 {percentile(result.batches.latencies_s, 0.5) * 1000:,.0f} ms, "
        f"p95 {percentile(result.batches.latencies_s, 0.95) * 1000:,.0f} ms)",
        f"single events: {result.singles.statuses[200] / seconds:,.0f} requests/s accepted "
        f"(p50 {percentile(result.singles.latencies_s, 0.5) * 1000:,.0f} ms, "
        f"p95 {percentile(result.singles.latencies_s, 0.95) * 1000:,.0f} ms)",
        f"UI pages: {len(result.pages.latencies_s):,} opened, p50 {percentile(result.pages.latencies_s, 0.5):.2f} s, "
        f"p95 {percentile(result.pages.latencies_s, 0.95):.2f} s, max {max(result.pages.latencies_s, default=0):.2f} s, "
        f"{sum(s > SLOW_PAGE_S for s in result.pages.latencies_s):,} over {SLOW_PAGE_S:g} s",
        f"requests refused by the rate limit (429): {result.batches.statuses[429] + result.singles.statuses[429]:,}; "
        f"failed otherwise: {len(result.batches.failures) + len(result.singles.failures)}; "
        f"page errors: {len(result.pages.failures)}",
        f"events acknowledged {check.acknowledged:,}; stored {check.stored:,} ({check.stored_distinct:,} distinct); "
        f"acknowledged but missing {len(check.missing)}; stored but never sent {len(check.unexpected)}",
        f"CPU: server {result.server_cpu_s / result.seconds:.2f} cores, "
        f"load clients {result.client_cpu_s / result.seconds:.2f} cores "
        f"(load average at end {os.getloadavg()[0]:.2f})",
    ]
    return [f"figure: {line}" for line in lines]


def run(config: LoadConfig, folder: Path) -> tuple[LoadResult, Verification]:
    """Generate a database in `folder`, serve it, load it, stop it, and check the stored events."""
    from analytics.seed import generate
    from tests.e2e.conftest import Server

    path = folder / "load.duckdb"
    db = open_database(path)
    generate(db, users=config.users, days=180, seed=42)
    credentials = prepare_database(db)
    forget_database(path)
    server = Server(path, folder / "server.log")
    try:
        result = run_coroutine(apply_load(server.url, credentials, config, server.process.pid))
    finally:
        server.stop()
    db = open_database(path)
    try:
        return result, verify_stored(db, result.prefix, [result.batches, result.singles])
    finally:
        forget_database(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = LoadConfig()
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--ui-sessions", type=int, default=defaults.ui_sessions)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=defaults.think_s,
        metavar=("MIN_S", "MAX_S"),
        help="pause of a UI session between pages, drawn uniformly",
    )
    parser.add_argument("--batch-clients", type=int, default=defaults.batch_clients)
    parser.add_argument("--batch-events", type=int, default=defaults.batch_events)
    parser.add_argument("--single-clients", type=int, default=defaults.single_clients)
    parser.add_argument("--users", type=int, default=defaults.users, help="users in the generated database")
    parser.add_argument("--keep", action="store_true", help="keep the database and server log")
    args = parser.parse_args(argv)
    config = LoadConfig(
        seconds=args.seconds,
        ui_sessions=args.ui_sessions,
        think_s=tuple(args.think),
        batch_clients=args.batch_clients,
        batch_events=args.batch_events,
        single_clients=args.single_clients,
        users=args.users,
    )
    folder = Path(tempfile.mkdtemp(prefix="pulse-load-"))
    try:
        result, check = run(config, folder)
        for line in figures(result, check, config):
            print(line, flush=True)
        for failure in (result.batches.failures + result.singles.failures + result.pages.failures)[:10]:
            print(f"  failure: {failure}")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if check.exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
