"""The portal's settings plus one page: the signed-in empty page every other page is compared with."""

from supergrid.settings import *  # noqa: F403

ROOT_URLCONF = "tools.bench.urls"
