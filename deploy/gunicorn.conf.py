"""gunicorn for the SuperGrid portal: `gunicorn -c deploy/gunicorn.conf.py supergrid.wsgi`.

Every setting can be changed through the environment (deploy/supergrid.env).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a FAB upload of 10 MB on a slow link
graceful_timeout = 30
keepalive = 5
# Trust X-Forwarded-* only from the reverse proxy (never from clients directly).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# One line per request, with the request id the portal also writes into its own log lines.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"


def child_exit(server, worker):
    """/metrics merges every worker's histograms (PROMETHEUS_MULTIPROC_DIR): a finished worker's files are
    marked dead so its live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
