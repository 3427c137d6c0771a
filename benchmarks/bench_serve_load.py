"""Load on the review web app: several coders, each in several browser tabs, against a real local server.

Run from the repository root (loopback only; nothing leaves the machine):

    python benchmarks/bench_serve_load.py --coders 2 --clients 10 --seconds 20
    python benchmarks/bench_serve_load.py --model DIR      # suggestions from a model of `corpus-tools train`

It starts `corpus-tools serve` on 127.0.0.1 (a free port, a fresh store, the bundled corpus; lexicon
suggestions unless --model) in its own process, then runs coders x clients client threads in this
process for --seconds. Each client logs in under its coder's name and loops: GET /queue (the open
passage), POST /queue/act "no code applies" with the form's entry and state version, GET /queue (the
redirect, whose flash says whether the decision was recorded or refused as stale: the coder's other tabs
decide on the same passages), and with --dashboard-every N every Nth round GET /dashboard. Baseline in
the same run: GET of a packaged static file (no store, no template).

Reports p50/p95/p99/max per route (milliseconds), requests per second, errors, and decisions: confirmed
(the page said "recorded"), refused as stale, and LOST = confirmed decisions missing from the store
afterwards (must be 0). Target: p95 < 250 ms per route on 2 cores.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ENTRY = re.compile(r'name="entry_id" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="([^"]*)"')
FLASH = re.compile(r'<p class="flash ([a-z]+)">([^<]*)</p>')


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep 303 answers as they are (the client times the redirect's GET on its own)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Client:
    """One browser tab: its own cookies (coder name, session, CSRF token)."""

    def __init__(self, base: str, coder: str) -> None:
        self.base, self.coder = base, coder
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())
        self.token = ""

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as resp:
                return resp.status, resp.read().decode("utf-8"), resp.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), exc.headers.get("Location", "")

    def login(self) -> None:
        _status, page, _ = self.request("/login")
        self.token = CSRF.search(page).group(1)  # type: ignore[union-attr]
        status, _, _ = self.request("/login", {"csrf": self.token, "coder": self.coder, "next": "/queue"})
        assert status == 303, status


def run_client(client: Client, stop: float, times: dict[str, list[float]], errors: list[str],
               confirmed: list[tuple[str, str]], refused: list[int], lock: threading.Lock,
               dashboard_every: int) -> None:
    """Decide passages until `stop` (time.monotonic), recording every request's latency."""

    def timed(route: str, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        t = time.perf_counter()
        try:
            status, page, location = client.request(path, data)
        except OSError as exc:  # a timeout or a refused connection is an error, not the end of the client
            status, page, location = 599, str(exc), ""
        ms = (time.perf_counter() - t) * 1000
        with lock:
            times[route].append(ms)
            if status >= 400:
                errors.append(f"{route} {status}")
        return status, page, location

    rounds = 0
    while time.monotonic() < stop:
        rounds += 1
        timed("GET /static/app.css (baseline)", "/static/app.css")
        status, page, _ = timed("GET /queue", "/queue?order=document")
        entry, version = ENTRY.search(page), VERSION.search(page)
        if status != 200 or entry is None or version is None:
            continue  # queue done or an error (counted)
        status, _, location = timed("POST /queue/act", "/queue/act?order=document",
                                    {"csrf": client.token, "entry_id": entry.group(1),
                                     "version": version.group(1), "do": "none"})
        if status != 303:
            continue
        _status, after, _ = timed("GET /queue (after decision)", location)
        said = FLASH.findall(after)
        with lock:
            if any(kind == "ok" and text.startswith("no code applies: recorded") for kind, text in said):
                confirmed.append((client.coder, entry.group(1)))
            elif any(kind == "warn" for kind, _ in said):
                refused.append(1)
        if dashboard_every and rounds % dashboard_every == 0:
            timed("GET /dashboard", "/dashboard")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coders", type=int, default=2)
    parser.add_argument("--clients", type=int, default=10, help="clients (tabs) per coder")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--model", type=Path, help="saved model folder (default: lexicon suggestions)")
    parser.add_argument("--dashboard-every", type=int, default=0,
                        help="each client also opens the dashboard every N rounds (0: never; it recomputes "
                             "agreement with bootstrap intervals after every new decision)")
    args = parser.parse_args()
    print("command: python benchmarks/bench_serve_load.py " + " ".join(sys.argv[1:]))

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "coding.sqlite"
        cmd = [sys.executable, "-c", "from corpus_tools.cli import main; main()", "serve", tmp,
               "--store", str(store), "--port", "0", "--host", "127.0.0.1"]
        cmd += ["--model", str(args.model)] if args.model else []
        server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            found = re.search(r"open (http://127\.0\.0\.1:\d+)/", line)
            if not found:
                raise SystemExit(f"server did not start: {line!r}")
            base = found.group(1)
            t = time.perf_counter()
            warm = Client(base, "warmup")
            warm.login()
            warm.request("/queue?order=document")  # the first queue waits for every entry's scores
            if args.dashboard_every:
                warm.request("/dashboard")  # computed once; later views get it at once while it refreshes
            print(f"server {base} ready; first queue after {time.perf_counter() - t:.1f} s")
            clients = [Client(base, f"coder{c + 1}") for c in range(args.coders) for _ in range(args.clients)]
            for c in clients:
                c.login()
            times: dict[str, list[float]] = defaultdict(list)
            errors: list[str] = []
            confirmed: list[tuple[str, str]] = []
            refused: list[int] = []
            lock = threading.Lock()
            start = time.monotonic()
            stop = start + args.seconds
            threads = [threading.Thread(target=run_client, args=(c, stop, times, errors, confirmed, refused, lock,
                                                                     args.dashboard_every))
                       for c in clients]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            elapsed = time.monotonic() - start
        finally:
            server.terminate()
            server.wait(timeout=60)
        conn = sqlite3.connect(store)
        stored = set(conn.execute("SELECT coder, entry_id FROM events WHERE decision = 'none-applies' "
                                  "AND undoes IS NULL").fetchall())
        n_events = conn.execute("SELECT count(*) FROM events WHERE coder != 'warmup'").fetchone()[0]
        conn.close()

    total = sum(len(v) for v in times.values())
    print(f"{args.coders} coders x {args.clients} clients for {elapsed:.1f} s: {total} requests "
          f"({total / elapsed:.0f}/s), {len(errors)} errors {sorted(set(errors))[:5]}")
    base_p95 = pct(times["GET /static/app.css (baseline)"], 0.95)
    worst = 0.0
    for route in sorted(times, key=lambda r: (not r.startswith("GET /static"), r)):
        ms = times[route]
        p95 = pct(ms, 0.95)
        if not route.startswith("GET /static"):
            worst = max(worst, p95)
        print(f"  {route:32} n={len(ms):5d}  p50 {statistics.median(ms):7.1f}  p95 {p95:7.1f}  "
              f"p99 {pct(ms, 0.99):7.1f}  max {max(ms):7.1f} ms  (p95 {p95 / base_p95:5.1f}x baseline)")
    lost = [c for c in confirmed if c not in stored]
    print(f"decisions: {len(confirmed)} confirmed, {len(refused)} refused as stale (another tab decided first), "
          f"{n_events} events in the store, LOST {len(lost)}")
    print(f"target p95 < 250 ms on every route: {'met' if worst < 250 else 'NOT met'} (worst p95 {worst:.1f} ms)")
    if lost or len(set(confirmed)) != len(confirmed):
        raise SystemExit("lost or duplicated decisions")


if __name__ == "__main__":
    main()
