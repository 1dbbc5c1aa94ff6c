"""Timestamps formatted once in Python (supergrid.web.Moment) read as Django's date formats write them."""

from datetime import UTC, datetime

from django.template.defaultfilters import date
from django.utils import timezone, translation

from supergrid.web import Moment


def test_a_moment_reads_as_the_date_formats_in_every_month_and_language():
    for language in ("en", "ko"):
        with translation.override(language):
            for month in range(1, 13):
                value = datetime(2026, month, 2 * month, 7, 5, tzinfo=UTC)
                moment = Moment.of(value)
                local = timezone.localtime(value)
                assert (moment.day, moment.minute) == (date(local, "DATE_FORMAT"), date(local, "DATETIME_FORMAT"))
                assert moment.iso == local.isoformat()
