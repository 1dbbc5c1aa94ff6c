import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from federations.models import Federation, Membership

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
    federations = {f.name: f for f in Federation.objects.filter(owner__username="alice")}
    assert set(federations) == {"workspace", "fedavg-playground", "hospital-network", "pilot-2025"}
    assert federations["hospital-network"].kind == "deployment"
    assert federations["pilot-2025"].is_archived
    assert Membership.objects.filter(user__username="bob", role="member").count() == 3


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs in development"):
        call_command("seed_demo")
    assert not User.objects.exists()
