"""Racing requests on PostgreSQL: real concurrent transactions in threads, exactly one outcome each."""

import threading

import pytest
from django.db import connection, connections

from federations import services
from federations.models import Invitation, Membership

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks race only on PostgreSQL; CI runs this file with DATABASE_URL set to PostgreSQL")


def race(*actions):
    """Start every action at the same moment, each in its own thread and transaction."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            outcomes[index] = ("ok", action())
        except services.FederationError as error:
            outcomes[index] = ("refused", error.message)
        except Exception as error:  # pragma: no cover - shows up as a failed assertion below
            outcomes[index] = ("crashed", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(outcome is not None and outcome[0] != "crashed" for outcome in outcomes), outcomes
    return [outcome[0] for outcome in outcomes]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_accept_vs_revoke(round_):
    owner, invitee = UserFactory(), UserFactory()
    federation = FederationFactory(owner=owner)
    invitation = services.invite(federation=federation, inviter=owner, username=invitee.username)

    results = race(
        lambda: services.accept_invitation(user=invitee, invitation_id=invitation.pk),
        lambda: services.revoke_invitation(federation=federation, actor=owner, invitation_id=invitation.pk),
    )

    assert sorted(results) == ["ok", "refused"]
    invitation.refresh_from_db()
    is_member = Membership.objects.filter(federation=federation, user=invitee).exists()
    assert invitation.status == ("accepted" if is_member else "revoked")
    assert results[0] == ("ok" if is_member else "refused")


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_identical_invites(round_):
    owner, invitee = UserFactory(), UserFactory()
    federation = FederationFactory(owner=owner)

    results = race(
        lambda: services.invite(federation=federation, inviter=owner, username=invitee.username),
        lambda: services.invite(federation=federation, inviter=owner, username=invitee.username.upper()),
    )

    assert sorted(results) == ["ok", "refused"]
    assert Invitation.objects.filter(federation=federation, invitee=invitee, status="pending").count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_archive_vs_accept(round_):
    owner, invitee = UserFactory(), UserFactory()
    federation = FederationFactory(owner=owner)
    invitation = services.invite(federation=federation, inviter=owner, username=invitee.username)

    results = race(
        lambda: services.archive_federation(federation=federation, actor=owner),
        lambda: services.accept_invitation(user=invitee, invitation_id=invitation.pk),
    )

    assert results[0] == "ok"
    federation.refresh_from_db()
    invitation.refresh_from_db()
    assert federation.is_archived
    is_member = Membership.objects.filter(federation=federation, user=invitee).exists()
    assert invitation.status == ("accepted" if is_member else "revoked")
    assert results[1] == ("ok" if is_member else "refused")
    assert not Invitation.objects.filter(federation=federation, status="pending").exists()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_creations_of_the_same_name(round_):
    owner = UserFactory()
    results = race(
        lambda: services.create_federation(owner=owner, name="same", kind="simulation"),
        lambda: services.create_federation(owner=owner, name="SAME", kind="simulation"),
    )
    assert sorted(results) == ["ok", "refused"]
    assert owner.owned_federations.exclude(name="workspace").count() == 1
