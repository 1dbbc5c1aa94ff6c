import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_passwords(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "alice-supergrid-demo" in out
    assert User.objects.filter(username__in=["alice", "bob", "carol"]).count() == 3
    assert User.objects.get(username="alice").has_deployment_access
    assert not User.objects.get(username="bob").has_deployment_access
    assert User.objects.get(username="alice").check_password("alice-supergrid-demo")


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs in development"):
        call_command("seed_demo")
    assert not User.objects.exists()
