"""Counts read as people write them: "1 ticket", "3 заявки", "около 1 001 заявки" (data/i18n.word_form)."""
import pytest

from data.i18n import word_form
from data.weekly.text import plural


@pytest.mark.parametrize("n, ru, ru_about, en", [
    (1, "заявка", "заявки", "ticket"),
    (3, "заявки", "заявок", "tickets"),
    (11, "заявок", "заявок", "tickets"),
    (21, "заявка", "заявки", "tickets"),
    (1001, "заявка", "заявки", "tickets"),
    (2523, "заявки", "заявок", "tickets"),
])
def test_ticket_counts_take_the_word_their_number_needs(n, ru, ru_about, en):
    assert word_form(n, "tickets.word", "ru") == ru
    assert word_form(n, "tickets.word.about", "ru") == ru_about
    assert word_form(n, "tickets.word", "en") == en


def test_a_fraction_takes_the_genitive_singular_in_russian_and_the_plural_in_english():
    assert plural(5, "weekly.word.request", "ru") == "5 заявок" and plural(1, "weekly.word.request", "en") == "1 request"
    assert word_form(2.5, "tickets.word", "en") == "tickets"
    assert word_form(2.5, "tickets.word", "ru") == "заявки"
