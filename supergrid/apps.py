from django.apps import AppConfig
from django.utils.translation import gettext_lazy, gettext_noop
from django_tasks_db.apps import TasksAppConfig


class SuperGridConfig(AppConfig):
    default = True  # the module holds other AppConfigs
    name = "supergrid"
    verbose_name = gettext_lazy("SuperGrid")


class TasksConfig(TasksAppConfig):
    """django-tasks-db, with a name the admin can say in Korean (its own is a plain string)."""

    default = False  # named in INSTALLED_APPS
    verbose_name = gettext_lazy("Email and webhook tasks")  # type: ignore[assignment]  # Django takes lazy names


# Words of Django and its apps that their Korean catalogues lack (added in Django 6.x, after the last
# Korean update, or never marked): listed here, they are collected into ours, which Django reads first.
THEIR_WORDS = [
    gettext_noop("- Select an option -"),  # a form's empty choice
    gettext_noop("Filter by %(field_name)s"),  # the admin's date hierarchy
    gettext_noop("Task Result"),  # django-tasks-db's models
    gettext_noop("Task Results"),
]
