from typing import cast

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class SupernodesConfig(AppConfig):
    name = "supernodes"
    verbose_name = gettext_lazy("SuperNodes")

    def ready(self):
        from federations.extensions import Tab, add_limit_usage, add_list_count, add_next_step, add_run_note, add_tab
        from federations.limits import Limit
        from supergrid.metrics import add_gauges
        from superlink.hooks import provide_node_links

        from . import metrics, services, signals, trust  # noqa: F401 (their receivers)
        from .lookups import NODE_COUNT_SQL, NodeLinks

        nodes_label = cast(str, gettext_lazy("SuperNodes"))  # read at each page, in its reader's language
        add_tab(Tab("supernodes", nodes_label, "supernodes:federation", "supernodes/tab.html", position=30))
        add_next_step("supernodes/_next_step.html")
        add_list_count("supernodes", NODE_COUNT_SQL)
        provide_node_links(NodeLinks())
        add_run_note(trust.refusing_nodes_note)
        add_gauges(metrics.gauges)
        add_limit_usage(Limit.SUPERNODES, services.registered_count)
