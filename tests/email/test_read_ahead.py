"""The IMAP pass reads ahead in a thread (ingest/email/ahead.py): order, errors, a bound, a clean stop."""
from __future__ import annotations

import threading
import time

import pytest

from ingest.email.ahead import read_ahead


def test_every_item_arrives_once_in_order():
    assert list(read_ahead(iter(range(1000)), 7)) == list(range(1000))


def test_an_error_of_the_reader_is_raised_where_its_item_was_expected():
    def items():
        yield 1
        yield 2
        raise ConnectionResetError("the server went away")

    got = []
    with pytest.raises(ConnectionResetError, match="went away"):
        for item in read_ahead(items(), 10):
            got.append(item)
    assert got == [1, 2]


def test_it_reads_no_more_than_the_depth_ahead_and_stops_when_closed():
    pulled = []

    def items():
        for i in range(100):
            pulled.append(i)
            yield i

    reader = read_ahead(items(), 3)
    assert next(reader) == 0
    time.sleep(0.3)
    assert len(pulled) <= 1 + 3 + 1  # the one taken, the queue, the one in the thread's hand
    reader.close()
    assert not any(t.name == "okno-read-ahead" and t.is_alive() for t in threading.enumerate())
    assert len(pulled) < 100
