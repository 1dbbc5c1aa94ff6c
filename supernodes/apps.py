from django.apps import AppConfig


class SupernodesConfig(AppConfig):
    name = "supernodes"
    verbose_name = "SuperNodes"
