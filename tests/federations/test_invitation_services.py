from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from federations import services
from federations.models import Activity, Invitation, Membership

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def invite(federation, username="ivy"):
    return services.invite(federation=federation, inviter=federation.owner, username=username)


def accept(invitation, user=None):
    return services.accept_invitation(user=user or invitation.invitee, invitation_id=invitation.pk)


def test_invite_creates_a_pending_invitation_for_14_days(federation, invitee):
    invitation = invite(federation)
    assert invitation.status == "pending"
    assert invitation.inviter == federation.owner
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert federation.activities.first().describe() == "invited ivy"


@pytest.mark.parametrize("typed", ["IVY", "  ivy  ", "@ivy", "Ivy"])
def test_usernames_match_ignoring_case_and_spaces(federation, invitee, typed):
    assert invite(federation, typed).invitee == invitee


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nobody", "There is no account with the username “nobody”."),
        ("", "Enter the username"),
        ("olivia", "You cannot invite yourself."),
        ("MAX", "max is already a member."),
    ],
)
def test_invite_refusals_are_specific(federation, invitee, username, message):
    with pytest.raises(services.FederationError, match=message) as excinfo:
        invite(federation, username)
    assert excinfo.value.field == "username"
    assert not Invitation.objects.exists()


def test_duplicate_pending_invitation_is_refused(federation, invitee):
    invite(federation)
    with pytest.raises(services.FederationError, match="ivy already has a pending invitation"):
        invite(federation, "IVY")
    assert Invitation.objects.count() == 1


def test_database_allows_one_pending_invitation_per_invitee(federation, invitee):
    first = invite(federation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            federation=federation, invitee=invitee, inviter=federation.owner, expires_at=first.expires_at
        )


def test_only_the_owner_invites(federation, member, invitee):
    with pytest.raises(services.NotAllowed, match="Only the owner"):
        services.invite(federation=federation, inviter=member, username="ivy")


def test_archived_federation_refuses_invitations(archived_federation, invitee):
    with pytest.raises(services.NotAllowed, match="archived"):
        invite(archived_federation)


def test_pending_invitation_cap(federation, settings):
    settings.INVITATION_PENDING_LIMIT = 2
    for user in UserFactory.create_batch(2):
        invite(federation, user.username)
    with pytest.raises(services.FederationError, match="already has 2 pending invitations"):
        invite(federation, UserFactory().username)


def test_sending_is_rate_limited(federation, settings):
    settings.INVITATION_RATE_LIMIT = "3/h"
    for user in UserFactory.create_batch(3):
        invite(federation, user.username)
    with pytest.raises(services.FederationError, match="too quickly"):
        invite(federation, UserFactory().username)
    assert Invitation.objects.count() == 3


@pytest.mark.parametrize("ending", ["decline", "revoke", "expire", "leave", "remove"])
def test_reinvite_after_the_last_one_ended_adds_a_row_and_keeps_history(federation, invitee, ending):
    first = invite(federation)
    if ending == "decline":
        services.decline_invitation(user=invitee, invitation_id=first.pk)
    elif ending == "revoke":
        services.revoke_invitation(federation=federation, actor=federation.owner, invitation_id=first.pk)
    elif ending == "expire":
        Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        accept(first)
        if ending == "leave":
            services.leave_federation(federation=federation, user=invitee)
        else:
            services.remove_member(federation=federation, actor=federation.owner, username="ivy")
    second = invite(federation)
    assert second.pk != first.pk
    assert Invitation.objects.filter(federation=federation, invitee=invitee).count() == 2
    first.refresh_from_db()
    assert first.effective_status != "pending"


def test_accept_makes_a_member_at_once(federation, invitee):
    invitation = accept(invite(federation))
    assert invitation.status == "accepted"
    assert invitation.responded_at is not None
    assert Membership.objects.get(federation=federation, user=invitee).role == "member"
    assert federation.activities.first().verb == "invitation_accepted"


def test_accept_twice_is_refused(federation, invitee):
    invitation = accept(invite(federation))
    with pytest.raises(services.FederationError, match="already accepted"):
        accept(invitation)
    assert Membership.objects.filter(federation=federation, user=invitee).count() == 1


def test_accept_after_revoke_is_refused(federation, invitee):
    invitation = invite(federation)
    services.revoke_invitation(federation=federation, actor=federation.owner, invitation_id=invitation.pk)
    with pytest.raises(services.FederationError, match="was revoked"):
        accept(invitation)
    assert not Membership.objects.filter(user=invitee).exclude(federation__name="workspace").exists()


def test_expiry_boundary(federation, invitee, monkeypatch):
    invitation = invite(federation)
    just_before = invitation.expires_at - timedelta(microseconds=1)
    monkeypatch.setattr(timezone, "now", lambda: just_before)
    assert invitation.effective_status == "pending"
    monkeypatch.setattr(timezone, "now", lambda: invitation.expires_at)
    assert invitation.effective_status == "expired"
    with pytest.raises(services.FederationError, match="has expired"):
        accept(invitation)
    monkeypatch.setattr(timezone, "now", lambda: invitation.expires_at + timedelta(days=1))
    with pytest.raises(services.FederationError, match="has expired"):
        accept(invitation)
    assert not Membership.objects.filter(user=invitee).exclude(federation__name="workspace").exists()


def test_accept_just_before_expiry_works(federation, invitee, monkeypatch):
    invitation = invite(federation)
    monkeypatch.setattr(timezone, "now", lambda: invitation.expires_at - timedelta(microseconds=1))
    accept(invitation)
    assert Membership.objects.filter(user=invitee).exclude(federation__name="workspace").exists()


def test_archive_revokes_pending_invitations_with_a_reason_and_refuses_accept(federation, invitee):
    invitation = invite(federation)
    services.archive_federation(federation=federation, actor=federation.owner)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.reason) == ("revoked", "The federation was archived.")
    with pytest.raises(services.FederationError, match="archived"):
        accept(invitation)


def test_only_the_invitee_can_answer(federation, invitee, outsider, member):
    invitation = invite(federation)
    for other in (outsider, member, federation.owner):
        with pytest.raises(services.InvitationNotFound):
            services.accept_invitation(user=other, invitation_id=invitation.pk)
        with pytest.raises(services.InvitationNotFound):
            services.decline_invitation(user=other, invitation_id=invitation.pk)
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"


@pytest.mark.parametrize("state", ["accepted", "expired"])
def test_revoking_an_ended_invitation_is_refused(federation, invitee, state):
    invitation = invite(federation)
    if state == "accepted":
        accept(invitation)
    else:
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(services.FederationError, match="already accepted|has expired"):
        services.revoke_invitation(federation=federation, actor=federation.owner, invitation_id=invitation.pk)


def test_owner_cannot_leave_or_be_removed(federation, owner, member):
    with pytest.raises(services.NotAllowed, match="owner cannot leave"):
        services.leave_federation(federation=federation, user=owner)
    with pytest.raises(services.NotAllowed, match="owner cannot be removed"):
        services.remove_member(federation=federation, actor=owner, username="olivia")
    assert Membership.objects.filter(federation=federation, user=owner, role="owner").exists()


def test_members_cannot_remove_others(federation, member):
    other = UserFactory()
    Membership.objects.create(federation=federation, user=other)
    with pytest.raises(services.NotAllowed, match="Only the owner can remove"):
        services.remove_member(federation=federation, actor=member, username=other.username)


def test_leave_and_remove_end_membership_and_are_recorded(federation, owner, member):
    services.leave_federation(federation=federation, user=member)
    assert not Membership.objects.filter(federation=federation, user=member).exists()
    assert federation.activities.first().describe() == "left the federation"
    other = UserFactory(username="zed")
    Membership.objects.create(federation=federation, user=other)
    services.remove_member(federation=federation, actor=owner, username="ZED")
    assert not Membership.objects.filter(federation=federation, user=other).exists()
    assert federation.activities.first().describe() == "removed zed"


def test_archived_federation_refuses_leave_and_remove(archived_federation, owner, member):
    with pytest.raises(services.NotAllowed, match="archived"):
        services.leave_federation(federation=archived_federation, user=member)
    with pytest.raises(services.NotAllowed, match="archived"):
        services.remove_member(federation=archived_federation, actor=owner, username="max")
    assert Membership.objects.filter(federation=archived_federation).count() == 2


def test_emails_go_out_after_commit(federation, invitee, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(federation)
    assert [m.to for m in mailoutbox] == [["ivy@example.com"]]
    assert "invited you to @olivia/fedavg-lab" in mailoutbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        accept(invitation)
    assert mailoutbox[1].to == ["olivia@example.com"]
    assert "ivy accepted" in mailoutbox[1].subject


def test_no_email_when_the_change_rolls_back(federation, invitee, mailoutbox, django_capture_on_commit_callbacks):
    @transaction.atomic
    def invite_then_fail():
        invite(federation)
        raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        invite_then_fail()
    assert mailoutbox == []
    assert not Invitation.objects.exists()


def test_a_failing_mail_server_never_breaks_the_action(
    federation, invitee, settings, django_capture_on_commit_callbacks, caplog
):
    settings.MAILERS = {"default": {"BACKEND": "tests.support.BrokenMailBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(federation)
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"
    assert "Could not send the invited email" in caplog.text


def test_a_queue_that_refuses_the_email_never_breaks_the_action(
    federation, invitee, settings, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    settings.TASKS = {"default": {"BACKEND": "tests.support.BrokenTaskBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(federation)
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"
    assert mailoutbox == []
    assert f"Could not queue send_invitation_email ['invited', {invitation.pk}]" in caplog.text


def test_activity_is_written_for_every_change(federation, invitee):
    invitation = invite(federation)
    services.decline_invitation(user=invitee, invitation_id=invitation.pk)
    verbs = list(Activity.objects.filter(federation=federation).values_list("verb", flat=True))
    assert verbs[:2] == ["invitation_declined", "invited"]
