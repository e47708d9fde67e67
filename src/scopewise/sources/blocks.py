"""Reading a large file in blocks of whole records, optionally on several processes.

A reader that can cut its text into blocks of whole records (RIS: after an ``ER``
line) declares ``blocks`` and ``parse_block`` on its :class:`~scopewise.sources.Reader`.
The records of a block then depend on that block alone, so blocks can be parsed
one after another (:func:`records_from_blocks`) or by worker processes while the
caller stores earlier ones (:func:`parallel_values`). Both give the same records in
the same order and the same errors: a problem in a block raises a :class:`BlockError`
whose record number is local to the block; the caller turns it into the usual
:class:`~scopewise.errors.ImportFormatError` once the records before it are known.

Memory stays bounded: at most a few blocks are read ahead of the consumer.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from scopewise.errors import ImportFormatError
from scopewise.records import Record

__all__ = [
    "BLOCK_CHARS",
    "BlockError",
    "TextBlock",
    "parallel_values",
    "records_from_blocks",
    "worker_count",
]

T = TypeVar("T")

BLOCK_CHARS = 1 << 20
"""Characters read at a time when cutting a file into blocks (about 500 RIS records)."""


@dataclass(frozen=True, slots=True)
class TextBlock:
    """Whole records of a file: their text and where the block sits in the file.

    ``index`` counts blocks from 0; ``last`` marks the final block, the only one that
    may end inside a record (a file cut off). A block numbers its lines from 1; the
    lines before it are added when an error is shown, so blocks can be cut without
    counting lines.
    """

    name: str
    text: str
    index: int
    last: bool


class BlockError(Exception):
    """A problem found while parsing one block, numbered within the block.

    ``line``, ``record`` and ``start`` (a second line, e.g. where the record began) are
    1-based within the block; ``message`` may hold ``{record}`` and ``{start}``, filled
    in with numbers counted from the start of the file. Picklable (plain arguments),
    so it crosses from a worker process unchanged.
    """

    def __init__(
        self,
        message: str,
        path: str,
        line: int | None = None,
        record: int | None = None,
        start: int | None = None,
    ) -> None:
        super().__init__(message, path, line, record, start)
        self.message, self.path = message, path
        self.line, self.record, self.start = line, record, start

    def error(self, records_before: int, lines_before: int) -> ImportFormatError:
        """The :class:`ImportFormatError` to show, with numbers counted from the file start."""
        record = None if self.record is None else self.record + records_before
        line = None if self.line is None else self.line + lines_before
        start = None if self.start is None else self.start + lines_before
        return ImportFormatError(
            self.message.format(record=record, start=start), path=self.path, line=line,
            record=record,
        )


BlockParser = Callable[[TextBlock], list[Record]]


def records_from_blocks(blocks: Iterator[TextBlock], parse: BlockParser) -> Iterator[Record]:
    """Parse blocks one after another in this process."""
    records_before = lines_before = 0
    for block in blocks:
        try:
            records = parse(block)
        except BlockError as problem:
            raise problem.error(records_before, lines_before) from None
        records_before += len(records)
        lines_before += block.text.count("\n")
        yield from records


def worker_count() -> int:
    """Worker processes for parsing: one per core, at most four (1 means: parse here).

    ``SCOPEWISE_IMPORT_WORKERS`` sets the number, e.g. ``1`` on a shared server where
    the import should take one core only.
    """
    setting = os.environ.get("SCOPEWISE_IMPORT_WORKERS", "").strip()
    if setting.isdigit():
        return max(1, int(setting))
    return max(1, min(4, os.cpu_count() or 1))


def _convert_block(
    parse: BlockParser, convert: Callable[[Record], T], block: TextBlock
) -> tuple[list[T], int]:
    return [convert(record) for record in parse(block)], block.text.count("\n")


_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
WATCH_SECONDS = 0.5
"""How often a worker looks whether the importing process is still alive."""


def _watch_parent(parent: int) -> None:
    """Make this worker exit by itself when the process that started it dies.

    However the importer dies (SIGKILL, the out-of-memory killer), its workers must
    not live on as orphans holding memory. On Linux the kernel sends the worker
    SIGKILL when its parent dies (``PR_SET_PDEATHSIG``); everywhere, a daemon
    thread also checks the parent process id and exits once it changed (the worker
    was handed to another parent). Run as the executor's initializer.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the thread does it
            pass
    if os.getppid() != parent:  # the parent died before the watch began
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="scopewise-parent-watch", daemon=True).start()


def _start_watch(parent: int | None) -> None:
    _watch_parent(os.getppid() if parent is None else parent)


def _context() -> Any:
    # fork starts a worker in milliseconds with everything already imported; the
    # workers only parse text and never touch the parent's database connection.
    # Forking a process that runs other threads can deadlock the child, so then
    # workers start from a fresh interpreter instead.
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def parallel_values(
    blocks: Iterator[TextBlock],
    parse: BlockParser,
    convert: Callable[[Record], T],
    *,
    workers: int | None = None,
    ahead: int | None = None,
) -> Iterator[list[T]]:
    """``convert(record)`` for every record, one list per block, parsed by worker processes.

    Blocks are handed out in order and their results come back in order; at most
    ``ahead`` blocks are in flight. ``parse`` and ``convert`` must be module-level
    functions (they are sent to the workers by name). A problem in a block raises
    :class:`ImportFormatError` here, in the caller, when that block's turn comes;
    closing the iterator early stops the workers.
    """
    size = workers or worker_count()
    limit = ahead or 2 * size + 1
    # An executor, not a Pool: a worker that dies (killed, out of memory, cannot
    # import the functions) fails the import instead of leaving it waiting forever.
    context = _context()
    # With a fork server, a worker's parent is the server, which exits when this
    # process dies; either way the watched parent dies with the importer.
    parent = os.getpid() if context.get_start_method() != "forkserver" else None
    executor = ProcessPoolExecutor(size, mp_context=context, initializer=_start_watch,
                                   initargs=(parent,))
    pending: deque[Future[tuple[list[T], int]]] = deque()
    records_before = lines_before = 0
    name = ""

    def take() -> list[T]:
        nonlocal records_before, lines_before
        try:
            values, lines = pending.popleft().result()
        except BlockError as problem:
            raise problem.error(records_before, lines_before) from None
        except BrokenProcessPool:
            raise ImportFormatError(
                "a worker process parsing the file stopped unexpectedly (out of memory?); "
                "nothing was imported: try again, or set SCOPEWISE_IMPORT_WORKERS=1",
                path=name,
            ) from None
        records_before += len(values)
        lines_before += lines
        return values

    try:
        for block in blocks:
            name = block.name
            pending.append(executor.submit(_convert_block, parse, convert, block))
            if len(pending) >= limit:
                yield take()
        while pending:
            yield take()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
