"""Log lines of the long-running processes (the daemon, the web server): one format, no floods.

Timestamps to the second, then the level, so failures (WARNING and above) stand out.
"""
from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def formatter() -> logging.Formatter:
    return logging.Formatter(LOG_FORMAT, DATE_FORMAT)


class DroppedClientFilter(logging.Filter):
    """One line per client that hangs up mid-response, instead of one per write.

    asyncio warns "socket.send() raised exception." for every write to a connection the
    client closed; a streamed CSV download makes thousands of writes before the server sees
    the close. The first warning of a burst is kept (reworded); the rest of the burst, until
    `quiet` seconds pass without one, is dropped.
    """

    MESSAGE = "socket.send() raised exception."

    def __init__(self, quiet: float = 1.0):
        super().__init__()
        self.quiet = quiet
        self.last: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != self.MESSAGE:
            return True
        repeat = self.last is not None and record.created - self.last < self.quiet
        self.last = record.created
        if repeat:
            return False
        record.msg, record.args = "a client closed its connection before the response was complete", ()
        return True


class ConsoleFormatter(logging.Formatter):
    """A command's own log lines on a terminal: the message alone, with its level in front
    when it is a failure ("WARNING pwc: failed ..."), so failures stand out without timestamps."""

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        return f"{record.levelname} {message}" if record.levelno >= logging.WARNING else message
