"""SuperNode keys, FAB uploads and run-config overrides; the new pages with no SuperLink running."""

import io
import subprocess
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from runs.launch import LaunchError, parse_overrides
from superlink.fab import FAB_MAX_BYTES, InvalidFab, inspect_fab
from supernodes.keys import InvalidKey, parse_public_key
from supernodes.models import FederationNode

from .factories import FederationFactory
from .support import load_deferred

pytestmark = pytest.mark.django_db


def openssh_public(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


@pytest.mark.parametrize("curve", [ec.SECP256R1, ec.SECP384R1, ec.SECP521R1])
def test_nist_ecdsa_keys_are_accepted_with_the_ssh_keygen_fingerprint(tmp_path, curve):
    key = ec.generate_private_key(curve())
    (tmp_path / "k.pub").write_text(openssh_public(key) + " me@laptop\n")
    parsed = parse_public_key((tmp_path / "k.pub").read_text())
    assert parsed.pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    expected = subprocess.run(["ssh-keygen", "-lf", str(tmp_path / "k.pub")], capture_output=True, text=True)
    if expected.returncode == 0:
        assert parsed.fingerprint == expected.stdout.split()[1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Paste the SuperNode's public key"),
        (openssh_public(rsa.generate_private_key(public_exponent=65537, key_size=2048)), "ssh-rsa keys cannot"),
        (openssh_public(ed25519.Ed25519PrivateKey.generate()), "ssh-ed25519 keys cannot"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
            "private key",
        ),
        ("ecdsa-sha2-nistp256 AAAAnotbase64", "damaged or incomplete"),
        ("hello world", "not an OpenSSH public key"),
    ],
)
def test_bad_keys_are_refused_with_a_reason(text, message):
    with pytest.raises(InvalidKey, match=message):
        parse_public_key(text)


PRIVATE_KEYS = {  # as ssh-keygen and openssl write them, with the first line each starts with
    "openssh": (ec.SECP384R1, serialization.PrivateFormat.OpenSSH, None, "OPENSSH PRIVATE KEY"),
    "pem-ec": (ec.SECP256R1, serialization.PrivateFormat.TraditionalOpenSSL, None, "EC PRIVATE KEY"),
    "pkcs8": (ec.SECP256R1, serialization.PrivateFormat.PKCS8, None, "PRIVATE KEY"),
    "pkcs8-encrypted": (ec.SECP521R1, serialization.PrivateFormat.PKCS8, b"secret", "ENCRYPTED PRIVATE KEY"),
}


@pytest.mark.parametrize("kind", PRIVATE_KEYS)
def test_pasted_private_keys_are_recognised_by_their_armour(kind):
    curve, private_format, password, label = PRIVATE_KEYS[kind]
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    text = ec.generate_private_key(curve()).private_bytes(serialization.Encoding.PEM, private_format, encryption)
    assert text.decode().startswith(f"-----BEGIN {label}-----\n")
    for pasted in (text.decode(), f"  my key:\n  {text.decode()}"):
        with pytest.raises(InvalidKey, match="That is a private key"):
            parse_public_key(pasted)


def test_a_public_key_whose_comment_mentions_private_keys_is_accepted():
    key = openssh_public(ec.generate_private_key(ec.SECP256R1()))
    assert parse_public_key(f"{key} not the PRIVATE KEY").fingerprint.startswith("SHA256:")


def fab(pyproject: str | None = '[tool.flwr.app]\npublisher = "me"\n') -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if pyproject is not None:
            archive.writestr("pyproject.toml", pyproject)
        archive.writestr("app/__init__.py", "")
    return buffer.getvalue()


def test_fab_checks():
    assert inspect_fab(fab()).run_config == {}
    with pytest.raises(InvalidFab, match="not a FAB"):
        inspect_fab(b"just text")
    with pytest.raises(InvalidFab, match="no pyproject.toml"):
        inspect_fab(fab(pyproject=None))
    with pytest.raises(InvalidFab, match=r"no \[tool.flwr.app\]"):
        inspect_fab(fab('[project]\nname = "x"\n'))
    with pytest.raises(InvalidFab, match="at most 10 MB"):
        inspect_fab(b"PK" + bytes(FAB_MAX_BYTES))


def test_overrides_parse_toml_scalars():
    assert parse_overrides('num-server-rounds=5\n\n# note\nlr = 0.1\nname="x y"\nflag=true') == {
        "num-server-rounds": 5,
        "lr": 0.1,
        "name": "x y",
        "flag": True,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rounds", "write key=value"),
        ("rounds=", "write key=value"),
        ("bad key=1", "not a valid key"),
        ("name=hello", "not a value"),
        ("list=[1,2]", "only numbers"),
    ],
)
def test_bad_overrides_name_the_line(text, message):
    with pytest.raises(LaunchError, match=f"Line 1: .*{message}|{message}"):
        parse_overrides(text)


# Pages, with no SuperLink running ------------------------------------------------------------------------------


def test_supernodes_page_needs_sign_in_and_says_when_the_superlink_is_down(client, user):
    assert client.get(reverse("supernodes:list")).status_code == 302
    client.force_login(user)
    response = client.get(reverse("supernodes:list"))
    assertContains(response, "Register SuperNode")
    assertContains(response, "flower-supernode")
    assertContains(load_deferred(client, reverse("supernodes:list"), "my-supernodes"), "SuperLink unreachable")


def test_a_pasted_private_key_is_refused_and_never_echoed(client, user):
    client.force_login(user)
    secret = (
        ec.generate_private_key(ec.SECP384R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
        .decode()
    )
    response = client.post(reverse("supernodes:register"), {"public_key": secret, "name": "lab"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "That is a private key" in body
    assert secret.splitlines()[1] not in body


def test_registering_without_a_superlink_says_so(client, user):
    client.force_login(user)
    key = openssh_public(ec.generate_private_key(ec.SECP256R1()))
    response = client.post(reverse("supernodes:register"), {"public_key": key})
    assertContains(response, "SuperLink unreachable", status_code=400)


def test_register_and_unregister_urls_need_post_or_confirmation(client, user):
    client.force_login(user)
    assert client.get(reverse("supernodes:register")).status_code == 405


def launch(client, federation, **data):
    payload = {"fab": SimpleUploadedFile("app.fab", fab()), "overrides": "", **data}
    return client.post(reverse("runs:launch_run", kwargs=federation.url_kwargs()), payload)


def test_launch_refuses_bad_uploads_next_to_the_field(client, federation, member):
    client.force_login(member)
    response = launch(client, federation, fab=SimpleUploadedFile("x.fab", b"not a zip"), overrides="rounds")
    assert response.status_code == 400
    form = response.context["launch_form"]
    assert "not a FAB" in form.errors["fab"][0]
    assert "key=value" in form.errors["overrides"][0]
    response = launch(client, federation, fab="")
    assert "fab" in response.context["launch_form"].errors


def test_launch_says_when_the_superlink_is_down(client, federation, member):
    client.force_login(member)
    assertContains(launch(client, federation), "SuperLink unreachable", status_code=400)


def test_launch_access(client, federation, archived_federation, owner, outsider):
    client.force_login(outsider)
    assert launch(client, federation).status_code == 404
    client.force_login(owner)
    assertContains(launch(client, archived_federation), "archived", status_code=403)
    assert client.get(reverse("runs:launch_run", kwargs=federation.url_kwargs())).status_code == 405
    response = client.get(reverse("runs:runs", kwargs=archived_federation.url_kwargs()))
    assertNotContains(response, "Launch run")


def test_run_pages_say_when_the_superlink_is_down(client, federation, member, outsider):
    client.force_login(member)
    assertContains(
        client.get(reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": 5})), "SuperLink unreachable"
    )
    client.force_login(outsider)
    assert client.get(reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": 5})).status_code == 404


def test_members_remove_their_own_nodes_and_the_owner_removes_anyones_on_the_web(client, owner, member):
    deployment = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    FederationNode.objects.create(federation=deployment, node_id="7", owner=member)
    FederationNode.objects.create(federation=deployment, node_id="8", owner=member)
    client.force_login(member)
    remove = reverse("supernodes:remove", kwargs={**deployment.url_kwargs(), "node_id": 7})
    assertContains(client.post(remove, follow=True), "Removed SuperNode 7 from @olivia/real.")
    client.force_login(owner)
    remove = reverse("supernodes:remove", kwargs={**deployment.url_kwargs(), "node_id": 8})
    assertContains(client.post(remove, follow=True), "Removed SuperNode 8 from @olivia/real.")
    assert not deployment.nodes.exists()


def test_supernode_changes_in_archived_or_simulation_federations_are_refused(client, owner, member):
    deployment = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    FederationNode.objects.create(federation=deployment, node_id="7", owner=owner)
    client.force_login(member)
    url = reverse("supernodes:remove", kwargs={**deployment.url_kwargs(), "node_id": 7})
    assertContains(client.post(url), "Only the SuperNode", status_code=403)
    assert FederationNode.objects.filter(node_id="7").exists()

    archived = FederationFactory(owner=owner, name="old", kind="deployment", archived=True)
    client.force_login(owner)
    add = reverse("supernodes:add", kwargs=archived.url_kwargs())
    assertContains(client.post(add, {"node_id": "7"}), "archived", status_code=403)
    simulation = FederationFactory(owner=owner, name="sim")
    response = client.get(reverse("supernodes:federation", kwargs=simulation.url_kwargs()))
    assertContains(response, "10 simulated SuperNodes")
    assertNotContains(response, "Add SuperNode")


def test_example_app_downloads_as_a_valid_fab(client, user):
    assert client.get(reverse("runs:example_fab")).status_code == 302
    client.force_login(user)
    response = client.get(reverse("runs:example_fab"))
    assert response["Content-Disposition"] == 'attachment; filename="quickstart-numpy.fab"'
    assert "num-server-rounds" in inspect_fab(response.content).run_config


def test_supernode_command_uses_the_public_address(client, user, settings):
    settings.SUPERLINK_PUBLIC_ADDRESS = "grid.example.org:9093"
    client.force_login(user)
    assertContains(client.get(reverse("supernodes:list")), "--superlink grid.example.org:9093")


def test_stop_and_logs_say_when_the_superlink_is_down(client, federation, member):
    client.force_login(member)
    kwargs = {**federation.url_kwargs(), "run_id": 5}
    stop = client.post(reverse("runs:stop_run", kwargs=kwargs), follow=True)
    assertContains(stop, "SuperLink unreachable")
    logs = client.get(reverse("runs:run_logs", kwargs=kwargs), {"after": "1.5"})
    assertContains(logs, "SuperLink unreachable")


def test_only_node_owners_and_the_federation_owner_may_remove_nodes(owner, member, outsider):
    from federations.rules import Action, Permissions, Target

    federation = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    owner_row, member_row = (federation.memberships.get(user=u) for u in (owner, member))

    def may(membership, node_owner):
        return Permissions(federation, membership).may(Action.REMOVE_SUPERNODE, Target(user_id=node_owner.pk))

    assert may(owner_row, member)
    assert may(member_row, member)
    assert not may(member_row, owner)
    assert not may(None, outsider)
    federation.archived_at = federation.created_at
    assert not may(owner_row, owner)
