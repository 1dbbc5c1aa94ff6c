"""Signing keys on the profile: Ed25519 public keys, named, with fingerprints; removed ones are kept."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts import services
from accounts.models import SigningKey

from ..factories import UserFactory
from ..signing import new_key

pytestmark = pytest.mark.django_db


def add(client, name, public_key):
    return client.post(reverse("add_signing_key"), {"name": name, "public_key": public_key})


def test_a_key_is_added_named_and_shown_with_its_fingerprint(client, user):
    _, public = new_key()
    client.force_login(user)
    assertContains(client.get(reverse("profile")), "No signing keys yet")
    assertContains(client.get(reverse("add_signing_key")), "ssh-keygen -t ed25519 -f flwr-review")
    response = add(client, "laptop", public)
    assert response.status_code == 302
    key = SigningKey.objects.get(user=user)
    assert key.key_id.startswith("SHA256:")
    assert key.public_key == public.rsplit(" ", 1)[0]
    page = client.get(reverse("profile"))
    assertContains(page, "laptop")
    assertContains(page, key.key_id)


def openssh(public_key) -> str:
    return public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "This field is required."),
        (openssh(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()), "ssh-rsa keys cannot"),
        (openssh(ec.generate_private_key(ec.SECP256R1()).public_key()), "ecdsa-sha2-nistp256 keys cannot"),
        ("ssh-ed25519 AAAAnotbase64!!", "damaged or incomplete"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----", "That is a private key"),
        ("ssh-ed25519 " + "A" * 1500, "Ensure this value has at most 2000"),
    ],
)
def test_bad_keys_get_field_errors_never_a_500(client, user, text, words):
    client.force_login(user)
    if words.startswith("Ensure"):
        text = "ssh-ed25519 " + "A" * 5000
    response = add(client, "laptop", text)
    assertContains(response, words, status_code=400)
    assert not SigningKey.objects.exists()


def test_a_key_belongs_to_one_account_while_it_is_in_use(client, user):
    _, public = new_key()
    client.force_login(user)
    add(client, "laptop", public)
    assertContains(add(client, "again", public), "This key is already registered.", status_code=400)
    other = UserFactory(username="bob")
    client.force_login(other)
    assertContains(add(client, "stolen", public), "This key is already registered.", status_code=400)


def test_removing_a_key_asks_first_and_keeps_it_marked(client, user):
    _, public = new_key()
    key = services.add_signing_key(user=user, name="laptop", public_key=public)
    client.force_login(user)
    remove = reverse("remove_signing_key", kwargs={"key_id": key.pk})
    assertContains(client.get(remove), "Remove the signing key “laptop”?")  # the page without JavaScript
    assert client.post(remove).status_code == 302
    key.refresh_from_db()
    assert key.is_removed
    assertNotContains(client.get(reverse("profile")), key.key_id)
    assert client.post(remove).status_code == 404  # removed already
    assert services.add_signing_key(user=user, name="laptop", public_key=public).pk != key.pk  # added anew


def test_the_profile_has_one_remove_dialog_each_button_fills_in(client, user):
    keys = [services.add_signing_key(user=user, name=name, public_key=new_key()[1]) for name in ("laptop", "<desk>")]
    gone = services.add_signing_key(user=user, name="old", public_key=new_key()[1])
    services.remove_signing_key(user=user, key_id=gone.pk)
    client.force_login(user)
    page = client.get(reverse("profile")).text
    assert page.count("<dialog") == 1
    assert page.count('data-dialog="remove-key-dialog"') == 2
    assert 'Remove the signing key “<span data-fill="name"></span>”?' in page
    assert '<form method="post" action="" data-fill="action">' in page
    for key, name in zip(keys, ("laptop", "&lt;desk&gt;"), strict=True):
        remove = reverse("remove_signing_key", kwargs={"key_id": key.pk})
        # Without JavaScript the button's own form asks on the key's confirmation page.
        assert f'<form method="get" action="{remove}" class="inline-form">' in page
        assert f'data-fill-action="{remove}" data-fill-name="{name}" aria-label="Remove the signing key {name}"' in page
    assert gone.key_id not in page
    assert reverse("remove_signing_key", kwargs={"key_id": gone.pk}) not in page


def test_removing_a_key_without_javascript_follows_its_buttons_form(client, user):
    key = services.add_signing_key(user=user, name="laptop", public_key=new_key()[1])
    client.force_login(user)
    remove = reverse("remove_signing_key", kwargs={"key_id": key.pk})
    confirmation = client.get(remove)
    assertContains(confirmation, "Remove the signing key “laptop”?")
    assertContains(confirmation, f'<form method="post" action="{remove}">')
    response = client.post(remove, follow=True)
    assert response.redirect_chain == [(f"{reverse('profile')}#signing-keys", 302)]
    assertContains(response, "Removed the signing key “laptop”. Its reviews no longer count.")
    assertNotContains(response, key.key_id)
    key.refresh_from_db()
    assert key.is_removed


def test_nobody_removes_anothers_key(client, user):
    _, public = new_key()
    key = services.add_signing_key(user=user, name="laptop", public_key=public)
    client.force_login(UserFactory(username="mallory"))
    assert client.post(reverse("remove_signing_key", kwargs={"key_id": key.pk})).status_code == 404
    key.refresh_from_db()
    assert not key.is_removed


def test_the_key_urls_need_signing_in(client):
    for url in (reverse("add_signing_key"), reverse("remove_signing_key", kwargs={"key_id": 1})):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
