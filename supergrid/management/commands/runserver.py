"""runserver (serving static files, as contrib.staticfiles has it) that imports the URLconf before its threads start.

Under the autoreloader, runserver's child process imports the URLconf in its main thread (the reloader)
while django-main-thread runs the system checks, whose template and middleware checks import
django-allauth too. allauth's modules import each other in a cycle that only works entered from
allauth.account.internal.flows, and Python does not make a thread wait for a package another thread is
still importing: one that finds allauth.account.internal half-imported imports allauth.account.stages
first and fails with "cannot import name 'LoginStage' from partially initialized module". When that
thread is django-main-thread, the process lives on and serves nothing (`make run`, about 1 start in 9
on some machines). Imported here, before any thread starts, allauth is whole before either needs it.
"""

import contextlib
import os
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as StaticfilesRunserver
from django.utils import autoreload


class Command(StaticfilesRunserver):
    def run(self, **options: Any) -> None:
        # Only the reloader's child serves; its parent only restarts it, and --noreload has one thread.
        if options["use_reloader"] and os.environ.get(autoreload.DJANGO_AUTORELOAD_ENV) == "true":
            # A URLconf that fails to import is left to runserver, which reports it and reloads once fixed.
            with contextlib.suppress(Exception):
                import_module(settings.ROOT_URLCONF)
        super().run(**options)
