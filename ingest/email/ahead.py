"""Read ahead: a thread pulls items from an iterator while the caller works on the ones it has.

The IMAP pass waited for each UID FETCH before writing, and the server waited for the next UID FETCH
while the batch was written; with the reading in a thread the two overlap (the thread spends its time in
socket reads, which release the GIL). At most `depth` items wait in memory: a bounded queue, so a slow
database never makes the worker hold a whole mailbox.
"""
from __future__ import annotations

import queue
import threading
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")
_DONE = object()


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def read_ahead(items: Iterable[T], depth: int) -> Iterator[T]:
    """The items of `items`, in order, read by a thread up to `depth` ahead. An error of the iterator is
    raised here, where the next item was expected. Closing the generator stops the thread at its next item."""
    waiting: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def pull() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as err:  # noqa: BLE001 — handed to the consumer, raised there
            put(_Failed(err))
            return
        put(_DONE)

    reader = threading.Thread(target=pull, daemon=True, name="okno-read-ahead")
    reader.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        reader.join(timeout=30)
