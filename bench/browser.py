"""What people feel, measured in headless Chromium against one real `cockpit serve`.

Used by ``bench/bench_pages.py --browser``.  Three things:

* **clicks**: from a sidebar pick (the period, or a brand on 直播追踪) to the page fully
  redrawn, and from a row pick (a store, a session) to its detail drawn;
* **first visit**: a fresh browser (empty cache) opening the overview, from navigation
  start to fully drawn, on a server that has started and warmed its landing view;
* **several people at once**: N browser sessions (one Chromium, a context each) open
  the overview together, again and again; p50 / p95 render time, the server's RSS and
  the server's own CPU seconds per page view, read from /proc of the server process so
  the browsers' CPU on the same machine does not blur it; the browsers' CPU per view
  too, and the same crowds as protocol clients without a browser (``wire``).

"Fully redrawn" is measured in the page itself: the instant of the last DOM change or
the end of the last long main-thread task (Plotly drawing, the data grid) after the
pick, once Streamlit's script has run (``data-test-script-state``), no element is stale,
every chart has drawn and nothing has moved for :data:`QUIET_MS`.  The quiet wait is
not counted.  Only Debian's Chromium is used (never a browser download).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import wire

CHROMIUM = os.environ.get("COCKPIT_CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1440, "height": 1000}
QUIET_MS = 600  # nothing changed on the page for this long: it is drawn
TIMEOUT_MS = 300_000
TICKS = os.sysconf("SC_CLK_TCK")

# Installed before any page script: the time of the last pointer press (a pick), of the
# last DOM change and of the end of the last long task, and whether a script run began
# after the press.
INIT_JS = """
(() => {
  const ck = window.__ck = {t0: 0, last: 0, longEnd: 0, ran: false};
  document.addEventListener('pointerdown', () => { ck.t0 = performance.now(); ck.ran = false; }, true);
  try {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) ck.longEnd = Math.max(ck.longEnd, e.startTime + e.duration);
    }).observe({type: 'longtask', buffered: true});
  } catch (e) {}
  const watch = () => {
    new MutationObserver(records => {
      ck.last = performance.now();
      for (const r of records) {
        if (r.type === 'attributes' && r.attributeName === 'data-test-script-state'
            && r.target.getAttribute('data-test-script-state') === 'running') ck.ran = true;
      }
    }).observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  };
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();
"""

# True-ish (the redraw's end, ms after the pick) once the page is drawn and quiet.
DONE_JS = """
(q) => {
  const ck = window.__ck;
  if (!ck || !ck.ran) return false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]'))
    if (!c.querySelector('.main-svg')) return false;
  const last = Math.max(ck.last, ck.longEnd);
  if (performance.now() - last < q) return false;
  return Math.max(last - ck.t0, 1);
}
"""


def available() -> bool:
    """Chromium and Playwright are here (in CI, where they must be, their absence fails)."""
    ok = bool(Path(CHROMIUM).exists() or shutil.which(CHROMIUM))
    try:
        import playwright  # noqa: F401
    except ImportError:
        ok = False
    if not ok:
        msg = f"the browser part needs Debian's chromium at {CHROMIUM} and playwright"
        if os.environ.get("CI"):
            raise SystemExit(msg)
        print(msg + ": skipped", flush=True)
    return ok


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def load_average() -> float:
    return os.getloadavg()[0]


# --- the server ----------------------------------------------------------------------


class Server:
    """`cockpit serve` on a free localhost port; its /proc figures."""

    def __init__(self, db, log: Path, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.log = log
        self._out = open(log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cockpit.cli", "serve", "--db", str(db), "--port", str(self.port),
             "--address", "localhost"],
            stdout=self._out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        self.peak_rss_mb = 0.0
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def wait_ready(self, warm: bool = True, timeout: float = 600) -> float:
        """Healthy, and (``warm``) the upkeep has warmed the landing view; seconds waited."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cockpit serve exited with {self.proc.returncode}; see {self.log}")
            try:
                urllib.request.urlopen(self.url + "/_stcore/health", timeout=2)
                if not warm or "warmed the landing view" in self.log.read_text(errors="replace"):
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError(f"cockpit serve not ready after {timeout} s; see {self.log}")
        self._sampler.start()
        return time.monotonic() - t0

    def _status(self, field: str) -> float:
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line for line in text.splitlines() if line.startswith(field)).split()[1]) / 1024

    def _sample(self) -> None:
        while self._sampling and self.proc.poll() is None:
            try:
                self.peak_rss_mb = max(self.peak_rss_mb, self._status("VmRSS:"))
            except (OSError, StopIteration):
                return
            time.sleep(0.2)

    def rss_mb(self) -> float:
        return self._status("VmRSS:")

    def hwm_mb(self) -> float:
        return self._status("VmHWM:")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process, all its threads."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def stop(self) -> None:
        self._sampling = False
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._out.close()


@contextmanager
def serving(db, log: Path, env: dict | None = None):
    srv = Server(db, log, env)
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


def browser_cpu_seconds() -> float:
    """User + system CPU of the Chromium processes this bench started (its descendants:
    other people's browsers on the shared machine do not count), with the children they
    have reaped, so renderers that ended during the run are in it too."""
    parent, stat = {}, {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            comm = (d / "comm").read_text().strip()
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d.name)] = int(fields[1])
        if comm.startswith("chrom"):
            stat[int(d.name)] = fields

    def ours(pid: int) -> bool:
        while pid > 1:
            if pid == os.getpid():
                return True
            pid = parent.get(pid, 1)
        return False

    return sum(int(f[11]) + int(f[12]) + int(f[13]) + int(f[14]) for pid, f in stat.items() if ours(pid)) / TICKS


# --- one page in one browser -----------------------------------------------------------


async def drawn(page) -> float:
    """Seconds from the last pick (or navigation start) to the page fully drawn."""
    handle = await page.wait_for_function(DONE_JS, arg=QUIET_MS, timeout=TIMEOUT_MS, polling=100)
    return (await handle.json_value()) / 1000


async def visit(page, url: str) -> float:
    """Open ``url``; seconds from navigation start to fully drawn."""
    await page.goto(url)
    await page.evaluate("() => { window.__ck.t0 = 0; window.__ck.ran = true; }")  # the first run counts
    return await drawn(page)


async def pick_option(page, label: str, option: str) -> float:
    """Pick ``option`` in the sidebar select box labelled ``label``; seconds to redrawn."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    await sidebar.get_by_label(label, exact=True).click()
    await page.get_by_role("option", name=option, exact=True).click()
    return await drawn(page)


async def toggle_multi(page, label: str, option: str) -> float:
    """Add ``option`` to the sidebar multiselect ``label``, or remove it when chosen."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text=label)
    remove = box.locator(f'[aria-label="Remove {option}"]')  # the chosen tag's cross
    if await remove.count():
        await remove.first.click()
    else:
        await box.locator("input").click()
        await page.get_by_role("option").filter(has_text=option).first.click()
        await page.keyboard.press("Escape")
    return await drawn(page)


async def pick_first_row(page, table) -> float:
    """Select the first row of a data grid (its checkbox column); seconds to redrawn."""
    await table.scroll_into_view_if_needed()
    box = await table.bounding_box()
    for _ in range(3):  # a click the grid did not take yet (still drawing) starts no run: click again
        await page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        try:
            await page.wait_for_function("() => window.__ck.ran", timeout=10_000, polling=50)
            break
        except Exception:  # noqa: BLE001 - the next click, timed from itself
            print("  (a row click started no script run in 10 s: clicked again)", flush=True)
    return await drawn(page)


# What each page's clicks are: (page, URL path, sidebar pick, row pick).  A sidebar pick
# alternates between two choices; a row pick opens the first row's detail, then the bench
# goes back to the list (not timed).
PERIODS = ("近7天", "近30天")


def scenarios(brand: str) -> list[dict]:
    return [
        {"page": "overview", "path": "", "pick": ("select", "时间范围", PERIODS),
         "row": ('[data-testid="stDataFrame"]', "店铺类型")},
        {"page": "live", "path": "live", "pick": ("multi", "品牌", (brand, brand))},
        {"page": "sessions", "path": "sessions", "pick": ("select", "时间范围", PERIODS),
         "row": ('[data-testid="stDataFrame"]', None)},
        {"page": "review", "path": "review", "pick": ("select", "时间范围", PERIODS),
         "row": ('[data-testid="stDataFrame"]', None)},
        {"page": "entities", "path": "entities", "pick": ("select", "时间范围", PERIODS),
         "row": ('[data-testid="stDataFrame"]', None)},
        {"page": "growth", "path": "growth", "pick": ("select", "时间范围", PERIODS)},
    ]


async def _new_page(browser):
    ctx = await browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    await ctx.add_init_script(INIT_JS)
    return ctx, await ctx.new_page()


async def clicks(browser, url: str, pages: list[str], brand: str, repeat: int) -> dict:
    """Per page: first visit (fresh context), repeat visit, sidebar picks, row picks."""
    out = {}
    for sc in scenarios(brand):
        if sc["page"] not in pages:
            continue
        ctx, page = await _new_page(browser)
        target = f"{url}/{sc['path']}"
        row = {"first_s": await visit(page, target)}
        row["repeat_s"] = statistics.median([await visit(page, target) for _ in range(max(2, repeat // 2))])
        kind, label, choices = sc["pick"]
        picks = []
        for i in range(repeat):
            choice = choices[i % 2]
            picks.append(await (pick_option(page, label, choice) if kind == "select"
                                else toggle_multi(page, label, choice)))
        row["pick_s"] = picks
        if "row" in sc:
            selector, has_text = sc["row"]
            rows = []
            for _ in range(repeat):
                await visit(page, target)
                grid = page.locator(selector)
                if has_text:
                    grid = grid.filter(has_text=has_text)
                rows.append(await pick_first_row(page, grid.first))
            row["row_s"] = rows
        await ctx.close()
        out[sc["page"]] = row
        print(f"  browser {sc['page']:9s} first {row['first_s']:5.2f} s  repeat {row['repeat_s']:5.2f} s  "
              f"pick median {statistics.median(picks):5.2f} s (max {max(picks):5.2f})"
              + (f"  row median {statistics.median(row['row_s']):5.2f} s" if "row_s" in row else "")
              + f"  [load {load_average():.1f}]", flush=True)
    return out


async def first_visit(browser, url: str, times: int = 3) -> list[float]:
    """The overview in a fresh browser context (nothing cached), ``times`` times."""
    out = []
    for _ in range(times):
        ctx, page = await _new_page(browser)
        out.append(await visit(page, url + "/"))
        await ctx.close()
    return out


async def crowd(browser, srv: Server, n: int, views: int) -> dict:
    """``n`` sessions open the overview ``views`` times each, all at once."""
    pages = [await _new_page(browser) for _ in range(n)]
    errors = []

    async def one(page) -> list[float]:
        got = []
        for _ in range(views):
            try:
                got.append(await visit(page, srv.url + "/"))
                if await page.locator('[data-testid="stException"]').count():
                    errors.append("exception on the page")
            except Exception as e:  # noqa: BLE001 - counted, reported
                errors.append(f"{type(e).__name__}: {e}"[:200])
        return got

    async def everyone() -> tuple[list[float], list[str]]:
        results = await asyncio.gather(*(one(p) for _, p in pages))
        return [x for r in results for x in r], errors

    bcpu0 = browser_cpu_seconds()
    out = await _measured(srv, n, everyone())
    out["browser_cpu_s_per_view"] = (browser_cpu_seconds() - bcpu0) / max(out["views"], 1)
    for ctx, _ in pages:
        await ctx.close()
    return out


async def _measured(srv: Server, n: int, run) -> dict:
    """Await a crowd's ``run`` (-> seconds of every view, errors) and sum it up with the
    server's CPU seconds per view over the run, its RSS after it and the load."""
    cpu0, t0 = srv.cpu_seconds(), time.monotonic()
    times, errors = await run
    cpu, wall = srv.cpu_seconds() - cpu0, time.monotonic() - t0
    return {"n": n, "views": len(times), "p50_s": statistics.median(times) if times else None,
            "p95_s": p95(times) if times else None, "max_s": max(times) if times else None,
            "server_cpu_s_per_view": cpu / max(len(times), 1), "wall_s": wall,
            "server_rss_mb": srv.rss_mb(), "errors": errors, "load": load_average()}


async def run_all(db, pages: list[str], brand: str, repeat: int, crowd_sizes: list[int], views: int,
                  log: Path) -> dict:
    from playwright.async_api import async_playwright

    result: dict = {"load_before": load_average()}
    srv = Server(db, log)
    try:
        result["server_ready_s"] = srv.wait_ready()
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            firsts = await first_visit(browser, srv.url)
            result["first_visit_s"] = firsts
            print("  browser first visit of the overview (fresh browser): "
                  + ", ".join(f"{x:.2f}" for x in firsts) + f" s  [load {load_average():.1f}]", flush=True)
            result["pages"] = await clicks(browser, srv.url, pages, brand, repeat)
            result["crowd"] = []
            for n in crowd_sizes:
                r = await crowd(browser, srv, n, views)
                result["crowd"].append(r)
                print(f"  browser N={n}: {r['views']} overview views, p50 {r['p50_s']:.2f} s, p95 {r['p95_s']:.2f} s, "
                      f"server CPU {r['server_cpu_s_per_view']:.3f} s/view, browsers {r['browser_cpu_s_per_view']:.3f} s/view, RSS {r['server_rss_mb']:.0f} MB, "
                      f"errors {len(r['errors'])}  [load {r['load']:.1f}]", flush=True)
            await browser.close()
        result["wire"] = []  # the same crowds without browsers: the server's own part
        for n in crowd_sizes:
            r = await _measured(srv, n, wire.crowd(srv.url, n, views))
            result["wire"].append(r)
            print(f"  wire    N={n}: {r['views']} overview views, p50 {r['p50_s']:.2f} s, p95 {r['p95_s']:.2f} s, "
                  f"server CPU {r['server_cpu_s_per_view']:.3f} s/view, errors {len(r['errors'])}", flush=True)
        result["server_peak_rss_mb"] = max(srv.peak_rss_mb, srv.hwm_mb())
    finally:
        srv.stop()
    result["load_after"] = load_average()
    return result


def run(db, pages: list[str], brand: str, repeat: int = 5, crowd_sizes=(1, 4, 8), views: int = 5,
        log: Path | None = None) -> dict:
    log = log or Path(str(db) + ".bench-serve.log")
    return asyncio.run(run_all(db, pages, brand, repeat, list(crowd_sizes), views, log))


def summary(result: dict) -> str:
    """The README's table rows for what people feel."""
    lines = ["| page | first visit s | repeat visit s | sidebar pick median s (max) | row pick median s |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for page, r in result.get("pages", {}).items():
        rows = f"{statistics.median(r['row_s']):.2f}" if r.get("row_s") else "—"
        lines.append(f"| {page} | {r['first_s']:.2f} | {r['repeat_s']:.2f} | {statistics.median(r['pick_s']):.2f} "
                     f"({max(r['pick_s']):.2f}) | {rows} |")
    wire_by_n = {r["n"]: r for r in result.get("wire") or []}
    if result.get("crowd"):
        lines += ["", "| at once | overview views | p50 s | p95 s | browsers' CPU s / view | server CPU s / view | "
                      "no browser: p50 s | no browser: p95 s | server RSS MB | errors |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in result["crowd"]:
            w = wire_by_n.get(r["n"], {})
            bare = (f"{w['p50_s']:.2f} | {w['p95_s']:.2f}" if w.get("p95_s") is not None else "— | —")
            lines.append(f"| {r['n']} | {r['views']} | {r['p50_s']:.2f} | {r['p95_s']:.2f} | "
                         f"{r.get('browser_cpu_s_per_view', 0):.3f} | {r['server_cpu_s_per_view']:.3f} | {bare} | "
                         f"{r['server_rss_mb']:.0f} | {len(r['errors']) + len(w.get('errors', []))} |")
    return "\n".join(lines)

