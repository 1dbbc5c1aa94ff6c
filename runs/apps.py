from typing import cast

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class RunsConfig(AppConfig):
    name = "runs"
    verbose_name = gettext_lazy("Runs")

    def ready(self):
        from accounts.extensions import ProfileSection, add_profile_section
        from federations.extensions import (
            Tab,
            add_limit_usage,
            add_next_step,
            add_overview_details,
            add_tab,
            set_dashboard_live,
        )
        from federations.limits import Limit
        from federations.rules import Action
        from supergrid.metrics import add_gauges
        from superlink.hooks import on_runs_ended, provide_artifacts_url

        from . import gauges
        from .artifacts import pull_url
        from .services import active_runs, record_finished_runs
        from .views.emails import PROFILE_SECTION, profile_section_context

        runs_label = cast(str, gettext_lazy("Runs"))  # read at each page, in its reader's language
        add_tab(Tab("runs", runs_label, "runs:runs", "runs/tab.html", Action.READ_RUNS, position=20))
        add_overview_details("runs/_overview_details.html")
        add_next_step("runs/_next_step.html")
        set_dashboard_live("runs:dashboard_live")
        on_runs_ended(record_finished_runs)
        provide_artifacts_url(pull_url)
        add_gauges(gauges.gauges)
        add_limit_usage(Limit.RUNS, active_runs)
        add_profile_section(ProfileSection("run-emails", PROFILE_SECTION, profile_section_context, position=20))
