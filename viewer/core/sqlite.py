"""SQLite helpers shared by Outpost's databases (the local study store, a batch's results). No Qt."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def write_transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on ``connection``, all or nothing; inside one already, that one.

    ``BEGIN IMMEDIATE`` takes the database's write lock at once, so other processes' writers wait
    for it (their busy timeout) instead of failing half way; an exception rolls the change back.
    The connection must be in autocommit mode as far as Python's ``sqlite3`` is concerned
    (``isolation_level=None``), so that the transaction is this one.

    Parameters
    ----------
    connection
        An open connection, used from one thread at a time (the caller's lock, if it shares it).

    Yields
    ------
    sqlite3.Connection
        ``connection``.
    """
    if connection.in_transaction:
        yield connection
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
