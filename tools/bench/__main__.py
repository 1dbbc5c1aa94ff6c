"""`python -m tools.bench` (`make bench`): seed PostgreSQL at 10k users, measure, print and save the table.

Runs as production does (DEBUG off, gunicorn, the portal's SuperLink), on its own database
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/supergrid_bench), recreated each time.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/supergrid_bench"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full sizes to seed (smoke: 0.01)")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded bench database")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, shorter load (a smoke run)")
    parser.add_argument("--skip-load", action="store_true", help="no gunicorn load test")
    parser.add_argument(
        "--skip-scale", action="store_true", help="no runs at scale (1,000 simulated, 20 real SuperNodes)"
    )
    parser.add_argument("--runs", type=int, default=2, help="Flower runs through each SuperLink (median)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients under load")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "latest.txt")
    return parser.parse_args()


def configure(workdir: Path, database_url: str) -> None:
    """Production settings, on the bench database; must run before Django is set up."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tools.bench.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + "k" * 60,
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "SECURE_SSL_REDIRECT": "0",
            "PORTAL_URL": "http://127.0.0.1",
            "SUPERGRID_VAR_DIR": str(workdir / "var"),
            "SUPERLINK_DATABASE": str(workdir / "superlink.db"),
            "SUPERLINK_TLS_DIR": str(workdir / "tls"),
            "TASKS_BACKEND": "immediate",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    from tools.processes import free_port

    os.environ["SUPERLINK_ADDRESS"] = f"127.0.0.1:{free_port()}"
    (workdir / "var").mkdir(parents=True, exist_ok=True)


def recreate_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    args = arguments()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("make bench needs PostgreSQL: set BENCH_DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="supergrid-bench-") as tmp:
        workdir = Path(tmp)
        configure(workdir, database_url)
        from .run import run

        return run(args, workdir, database_url, recreate_database)


if __name__ == "__main__":
    sys.exit(main())
