"""The bench, once Django is configured: seed, measure the four things, print and save one table."""

import contextlib
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import django

IN_PROCESS = "Pages in process (median, against the floor measured in turn; queries, HTML size)"
CONTROL = "SuperLink control path (ours vs stock Flower, per call)"


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def run(args, workdir: Path, database_url: str, recreate_database) -> int:
    django.setup()
    from django.core.management import call_command

    from tools.processes import BIN, free_port, start, stop, wait_for_http

    from . import control, flower, pages, scale, seed
    from .report import (
        CONTROL_RATIO,
        DASHBOARD_THROUGHPUT,
        LIVE_UNDER_LOAD,
        PACK_RATIO,
        PAGE_RATIO,
        RUN_RATIO,
        Row,
        ms,
        render,
    )

    began = time.perf_counter()
    loads = [load_average()]
    if args.reuse and seeded():
        sizes = seed.counts()
        print(f"Reusing the bench database: {sizes.line()}", flush=True)
    else:
        recreate_database(database_url)
        call_command("migrate", verbosity=0)
        print("Seeding…", flush=True)
        started = time.perf_counter()
        sizes = seed.seed(args.scale)
        print(f"Seeded in {time.perf_counter() - started:.0f} s: {sizes.line()}", flush=True)

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: the manifest storage
    repeat = 5 if args.quick else 30
    listed = pages.pages()
    rows: list[Row] = []
    notes = [f"Sizes: {sizes.line()}."]
    # The Hub the SuperLink fetches `flwr run @owner/app` from: a gunicorn of the portal, up for those runs.
    hub_address = f"127.0.0.1:{free_port()}"
    os.environ["HUB_API_URL"] = f"http://{hub_address}/api/hub/v1"  # our SuperLink's, from its environment
    with flower.our_superlink(workdir) as link:
        print("Pages in process…", flush=True)
        figures = pages.measure_in_process(listed, repeat, seconds=0.5 if args.quick else 2.0)
        if not args.skip_load:
            print("Pages under load (gunicorn)…", flush=True)
            measure_load(args, workdir, listed, figures, start, stop, wait_for_http, BIN, pages)
        loads.append(load_average())
        print("Control API calls, ours and stock's in turn…", flush=True)
        calls_repeat = 20 if args.quick else 100
        with flower.stock_superlink(workdir) as stock_link:
            control_calls = flower.control_ms(stock_link.address, calls_repeat)
        content = flower.fab()
        ours_runs, hub_runs = [], []
        app_id = flower.publish_example()
        with portal_server(workdir, hub_address, start, stop, wait_for_http, BIN, PORTAL_URL=f"http://{hub_address}"):
            for number in range(args.runs):  # interleaved: a local FAB, then the same app from the Hub
                print(f"A Flower run through our SuperLink ({number + 1} of {args.runs})…", flush=True)
                ours_runs.append(flower.our_run_seconds(content))
                print(f"flwr run {app_id} through our SuperLink ({number + 1} of {args.runs})…", flush=True)
                hub_runs.append(flower.our_hub_run_seconds(app_id))
        ours_at_scale = {} if args.skip_scale else scale.measure_ours(link, workdir, content, args.runs)
    with flower.stock_superlink(workdir) as stock_link:
        address = stock_link.address
        stock_calls = flower.stock_control_ms(address, calls_repeat)
        stock_loaded = {}
        if not args.skip_load:
            print("The stock SuperLink's calls under the same load…", flush=True)
            stock_loaded = flower.stock_control_under_load(address, args.clients, seconds=1.0 if args.quick else 4.0)
        stock_runs = []
        for number in range(args.runs):
            print(f"A Flower run through a stock SuperLink ({number + 1} of {args.runs})…", flush=True)
            stock_runs.append(flower.stock_run_seconds(address, content))
        stock_simulation = [] if args.skip_scale else scale.measure_stock_simulation(address, content, args.runs)
    stock_deployment = [] if args.skip_scale else scale.measure_stock_deployment(workdir, content, args.runs)
    loads.append(load_average())

    floor = figures[pages.FLOOR]
    rows += in_process_rows(listed, figures, stock_calls)
    if not args.skip_load:
        for page in listed:
            result = figures[page.label]
            if result.status != 200:
                continue
            rows.append(
                Row(
                    f"Pages under load: p95 ({args.clients} clients, gunicorn, DEBUG off)",
                    f"{page.label} (p50 {ms(result.p50_ms)}, {result.per_second:.0f}/s, {result.errors} errors)",
                    ms(result.p95_ms),
                    ms(floor.p95_ms),
                    result.p95_ms / floor.p95_ms,
                    # A live section's goal under load is against stock's same call under the same load (below).
                    "(see the live sections below)" if page.fragment else f"≤ {PAGE_RATIO:g}×",
                    None
                    if page.label == pages.FLOOR or page.fragment
                    else not result.errors and result.p95_ms <= PAGE_RATIO * floor.p95_ms,
                )
            )
        for page in listed:
            result = figures[page.label]
            if page.fragment and result.status == 200:
                stock_p95 = stock_loaded[page.fragment]
                rows.append(
                    Row(
                        f"Live sections under load: p95 against stock's same call under the same load ({args.clients} "
                        "clients) plus the floor's p95",
                        f"{page.label} (stock {page.fragment} {ms(stock_p95)})",
                        ms(result.p95_ms),
                        ms(stock_p95 + floor.p95_ms),
                        result.p95_ms / (stock_p95 + floor.p95_ms),
                        f"≤ {LIVE_UNDER_LOAD:g}×",
                        not result.errors and result.p95_ms <= LIVE_UNDER_LOAD * (stock_p95 + floor.p95_ms),
                    )
                )
        for page in listed:
            result = figures[page.label]
            if page.label.startswith("Dashboard, ") and result.status == 200:
                rows.append(
                    Row(
                        "Dashboard throughput under load",
                        page.label,
                        f"{result.per_second:.0f}/s",
                        f"{floor.per_second:.0f}/s",
                        result.per_second / floor.per_second,
                        f"≥ {DASHBOARD_THROUGHPUT:g}×",
                        result.per_second >= DASHBOARD_THROUGHPUT * floor.per_second,
                    )
                )

    print("SuperLink control path…", flush=True)
    calls, extra = control.measure(repeat=50 if args.quick else 300)
    for call in calls:
        if call.constant:
            goal, passed = f"≤ {control.CONSTANT_BUDGET_MS:g} ms", call.ours_ms <= control.CONSTANT_BUDGET_MS
        else:  # stock Flower's manager answers from memory; the Control API rows below carry the goal
            goal, passed = "(see below)", None
        rows.append(
            Row(
                "SuperLink control path (ours vs stock Flower, per call)",
                call.label,
                ms(call.ours_ms),
                ms(call.stock_ms),
                call.ours_ms / call.stock_ms,
                goal,
                passed,
            )
        )
    for label, (ours_ms, stock_ms) in control_calls.items():
        same_size = label in flower.SAME_SIZE
        rows.append(
            Row(
                CONTROL,
                f"{label}, over the Control API",
                ms(ours_ms),
                ms(stock_ms),
                ours_ms / stock_ms,
                f"≤ {CONTROL_RATIO:g}×" if same_size else "(larger than stock's)",
                ours_ms <= CONTROL_RATIO * stock_ms if same_size else None,
            )
        )
    rows.append(
        Row(
            CONTROL,
            "A revoked CLI session is refused on its next call",
            "refused" if extra["revoked_refused"] else "ACCEPTED",
            "",
            None,
            "refused",
            extra["revoked_refused"],
        )
    )
    notes.append(
        f"Node directory: a full reload takes {ms(extra['node_directory_reload_ms'])} at {sizes.nodes:,} links."
    )
    notes.append(
        "Stock SuperLink, per call over a kept connection (the fragments' extra budget): "
        + ", ".join(f"{name} {ms(value)}" for name, value in stock_calls.items())
        + "."
    )
    ours_seconds = statistics.median(seconds for seconds, _ in ours_runs)
    stock_seconds = statistics.median(seconds for seconds, _ in stock_runs)
    outcomes = sorted({outcome for _, outcome in ours_runs + stock_runs})
    rows.append(
        Row(
            f"A Flower run, StartRun to finished (quickstart-numpy, 2 simulated SuperNodes; median of {args.runs})",
            f"through our SuperLink ({', '.join(outcomes)})",
            f"{ours_seconds:.1f} s",
            f"{stock_seconds:.1f} s",
            ours_seconds / stock_seconds,
            f"≤ {RUN_RATIO:g}×",
            ours_seconds <= RUN_RATIO * stock_seconds and outcomes == ["completed"],
        )
    )
    hub_seconds = statistics.median(seconds for seconds, _ in hub_runs)
    hub_outcomes = sorted({outcome for _, outcome in hub_runs})
    rows.append(
        Row(
            f"A Flower run, StartRun to finished (quickstart-numpy, 2 simulated SuperNodes; median of {args.runs})",
            f"`flwr run {app_id}` (fetched from the Hub), against the same FAB sent ({', '.join(hub_outcomes)})",
            f"{hub_seconds:.1f} s",
            f"{ours_seconds:.1f} s",
            hub_seconds / ours_seconds,
            f"≤ {RUN_RATIO:g}×",
            hub_seconds <= RUN_RATIO * ours_seconds and hub_outcomes == ["completed"],
        )
    )
    if not args.skip_scale:
        rows += scale_rows(args.runs, ours_at_scale, stock_simulation, stock_deployment)
    print("Routing in memory…", flush=True)
    rows += routing_rows(scale.routing_in_memory())
    print("Packing a run's artifacts…", flush=True)
    from . import packing

    pack_seconds, zip_seconds, pack_mib, folder_bytes = packing.measure()
    section = (
        f"A run's artifacts packed ({folder_bytes / 1024**2:.0f} MiB folder: a model and {packing.TEXT_FILES} logs)"
    )
    rows.append(
        Row(
            section,
            "time, against zip -r of the same folder",
            f"{pack_seconds:.1f} s",
            f"{zip_seconds:.1f} s",
            pack_seconds / zip_seconds,
            f"≤ {PACK_RATIO:g}×",
            pack_seconds <= PACK_RATIO * zip_seconds,
        )
    )
    rows.append(
        Row(section, "peak memory (resident set growth)", f"{pack_mib:.1f} MiB", "", None, "< 64 MiB", pack_mib < 64)
    )
    notes.append(f"Load average: {' → '.join(loads)} on {os.cpu_count()} cores.")
    notes.append(f"Took {time.perf_counter() - began:.0f} s.")
    title = f"SuperGrid bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC" + (" (quick)" if args.quick else "")
    table = render(title, rows, notes)
    print()
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    print(f"Written to {args.out}", file=sys.stderr)
    return 1 if any(row.passed is False for row in rows) else 0


def seeded() -> bool:
    from django.db import connection
    from django.db.utils import Error

    try:
        from accounts.models import User

        with connection.cursor():
            return User.objects.filter(username="big-owner").exists()
    except Error:
        return False


@contextlib.contextmanager
def portal_server(workdir, address, start, stop, wait_for_http, BIN, **extra_env):
    """The portal under gunicorn at ``address`` (DEBUG off, as production runs it)."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "GUNICORN_BIND": address,
        "WEB_CONCURRENCY": str(os.cpu_count() or 2),
        **extra_env,
    }
    root = Path(__file__).resolve().parents[2]
    log = workdir / f"gunicorn-{address.rsplit(':', 1)[1]}.log"
    process = start(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null", "supergrid.wsgi"],
        env,
        log,
        root,
    )
    try:
        wait_for_http(address, "/healthz", process, log)
        yield
    finally:
        stop(process)


def measure_load(args, workdir, listed, figures, start, stop, wait_for_http, BIN, pages) -> None:
    from tools.processes import free_port

    address = f"127.0.0.1:{free_port()}"
    with portal_server(workdir, address, start, stop, wait_for_http, BIN):
        pages.measure_under_load(address, listed, figures, args.clients, seconds=1.0 if args.quick else 4.0)


def in_process_rows(listed, figures: dict, stock_calls: dict[str, float]) -> list:
    """One row per page: its median against the floor measured in turn with it, and the goal."""
    from . import pages
    from .report import PAGE_RATIO, Row, ms

    rows = []
    for page in listed:
        result = figures[page.label]
        if result.status != 200:
            rows.append(Row(IN_PROCESS, page.label, f"HTTP {result.status}", "", None, "answers 200", False))
            continue
        budget = PAGE_RATIO * result.floor_ms + (stock_calls[page.fragment] if page.fragment else 0.0)
        goal = f"≤ {PAGE_RATIO:g}× + stock {page.fragment}" if page.fragment else f"≤ {PAGE_RATIO:g}×"
        rows.append(
            Row(
                IN_PROCESS,
                f"{page.label} ({result.queries} q, {result.size / 1024:.0f} KiB)",
                ms(result.in_process_ms),
                ms(result.floor_ms),
                result.in_process_ms / result.floor_ms,
                goal,
                None if page.label == pages.FLOOR else result.in_process_ms <= budget,
            )
        )
    return rows


def scale_rows(runs: int, ours: dict, stock_simulation: list, stock_deployment: list) -> list:
    """Runs at scale against stock, then what routing their messages cost our SuperLink (its /metrics)."""
    from . import scale
    from .report import RUN_RATIO, Row

    section = (
        f"Runs at scale, StartRun to finished (quickstart-numpy, {scale.SCALE_ROUNDS} rounds, every node each "
        f"round; median of {runs})"
    )
    routing = "Routing a run's messages in our SuperLink (its /metrics over the runs: Fleet and ServerAppIo APIs)"
    kinds = (
        ("simulation", f"{scale.SIMULATED:,} simulated SuperNodes (Ray, 1 CPU each)", stock_simulation),
        ("deployment", f"{scale.REAL} real flower-supernode processes", stock_deployment),
    )
    rows, counts = [], []
    for kind, label, stock in kinds:
        times, outcomes, counted = ours[kind]
        stock_seconds = statistics.median(seconds for seconds, _ in stock)
        every = sorted(outcomes | {outcome for _, outcome in stock})
        ours_seconds = statistics.median(times)
        rows.append(
            Row(
                section,
                f"{label} ({', '.join(every)})",
                f"{ours_seconds:.1f} s",
                f"{stock_seconds:.1f} s",
                ours_seconds / stock_seconds,
                f"≤ {RUN_RATIO:g}×",
                ours_seconds <= RUN_RATIO * stock_seconds and every == ["completed"],
            )
        )
        messages = counted.routed
        sql = per_message(counted.routing_sql, messages)
        calls = per_message(counted.routing_calls, messages)
        counts.append(
            Row(
                routing,
                f"{label}: SQL statements per message ({messages:.0f} routed)",
                sql,
                "",
                None,
                "0",
                counted.routing_sql == 0,
            )
        )
        counts.append(
            Row(
                routing,
                f"{label}: routing calls (has_node, filter_nodes) per message",
                calls,
                "",
                None,
                "(shown)",
                None,
            )
        )
    return rows + counts


def per_message(value: float, messages: float) -> str:
    return f"{value / messages:.2f}" if messages else f"{value:.0f} in all (no messages through these APIs)"


def routing_rows(figures: list) -> list:
    """has_node and filter_nodes at 20 and at 1,000 nodes: O(1) (the larger within 2× of the smaller), no SQL."""
    from .report import Row

    section = "Routing calls in process, on a warm node directory (per call; SQL statements counted)"
    (small, small_has, small_filter, small_sql), (large, large_has, large_filter, large_sql) = figures
    rows = []
    for name, small_us, large_us in (
        ("has_node", small_has, large_has),
        ("filter_nodes (a message's two nodes)", small_filter, large_filter),
    ):
        rows.append(
            Row(
                section,
                f"{name}: {large:,} nodes against {small} ({large_sql + small_sql} SQL)",
                f"{large_us:.2f} µs",
                f"{small_us:.2f} µs",
                large_us / small_us,
                "≤ 2×, 0 SQL",
                large_us <= 2 * small_us and large_sql + small_sql == 0,
            )
        )
    return rows
