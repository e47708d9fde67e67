"""ImportsMixin: import files, run online searches and export records.

Each import is one transaction: the search row (provenance for PRISMA-ScR items 7-8)
and every record land together or not at all. The same file (same sha256) is
refused the second time.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Generator, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Any

from scopewise.errors import DuplicateImport, NotFound, UsageError
from scopewise.records import Record
from scopewise.review.core import DEFAULT_ACTOR, ReviewCore
from scopewise.review.import_checks import (
    UnparsedTally,
    resolve_source,
    source_mismatches,
    unparsed_warnings,
)
from scopewise.sources import ExportItems, Reader, SourceFile, write_records
from scopewise.sources.blocks import parallel_values, worker_count
from scopewise.sources.registry import detect_format, get_reader
from scopewise.store.flow import audit_details
from scopewise.store.records import (
    BATCH_SIZE,
    VALUE_COLUMNS,
    Search,
    duplicate_group_labels,
    insert_records,
    insert_search,
    insert_values,
    iter_records,
    list_searches,
    record_values,
    search_by_sha256,
    set_search_count,
)
from scopewise.store.search_undo import delete_search, pin_label, search_pins

__all__ = ["ImportResult", "ImportsMixin"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PARALLEL_MIN_BYTES = 8 << 20
"""Files from this size on are parsed by worker processes (when the reader can cut blocks)."""


EXPORT_LEADING = ("record_id", "source_record_id", "source", "duplicate_group")
"""The columns a CSV/XLSX export of the project's records starts with, empty or not."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one import stored."""

    search_id: int
    source: str
    records: int
    format: str
    file_name: str = ""
    sha256: str | None = None
    total_available: int | None = None  # online searches: hits the database reported
    unparsed: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per field, values that could not be read (kept raw): count and first examples."""
    warnings: tuple[str, ...] = ()
    """Plain sentences about the import: unreadable fields, bytes that were not UTF-8
    (read as Windows-1252), sources the protocol does
    not plan (or planned sources still missing)."""


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_date(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not _DATE.match(value):
        raise UsageError(f"--searched-on {value!r} is not a date; use YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--searched-on {value!r} is not a real date; use YYYY-MM-DD") from None
    return value


class ImportsMixin(ReviewCore):
    """Review methods for imports, online searches and exports."""

    def import_file(
        self,
        path: str | Path,
        *,
        source: str | None = None,
        platform: str = "",
        query: str = "",
        searched_on: str | None = None,
        format: str | None = None,
        actor: str = DEFAULT_ACTOR,
        progress: Callable[[int], None] | None = None,
        method: str = "file",
    ) -> ImportResult:
        """Import every record of a file as one search, in one transaction.

        Parameters
        ----------
        path:
            The export file.
        source:
            The database searched (``"Embase"``). When omitted it comes from the file's
            content or the protocol, never from the file name (see
            :mod:`scopewise.review.import_checks`); otherwise ``UsageError``.
        platform, query, searched_on:
            Interface (``"Ovid"``), the exact search string and the ISO date it was run.
        format:
            Reader name; detected from the content when omitted.
        progress:
            Called with the number of records stored so far.
        method:
            ``file`` (a database export) or ``other`` (websites, organisations,
            citation searching: the "other methods" column of the flow diagram;
            ``source`` must name it).

        Raises
        ------
        DuplicateImport
            The same file (sha256) was imported before; nothing changes.
        ImportFormatError
            The file cannot be read; nothing is stored.
        """
        file = Path(path)
        if method not in ("file", "other"):
            raise UsageError(f"unknown import method {method!r}; use file or other")
        if method == "other" and not (source or "").strip():
            raise UsageError("--method other needs --source naming where the records came from "
                             "(e.g. a website, an organisation, citation searching)")
        searched_on = _check_date(searched_on)
        source_file = SourceFile(file)
        fmt = get_reader(format).name if format else detect_format(file, source_file)
        reader = get_reader(fmt)
        if source_file.encoding is None and reader.name != "xlsx":
            source_file.require_text(reader.label)
        sha = file_sha256(file)
        with self.store.reading() as conn:
            earlier = search_by_sha256(conn, sha)
        if earlier is not None:
            raise DuplicateImport(_duplicate_message(file, earlier))
        tally = UnparsedTally()
        with closing(_value_batches(reader, source_file, tally)) as batches:
            first = next(batches, [])
            name = resolve_source(source, fmt, _first_record(first), self.protocol, query,
                                  file.name, [s.source for s in self.searches()])
            with self.store.transaction() as conn:
                if search_by_sha256(conn, sha) is not None:  # imported meanwhile by someone else
                    raise DuplicateImport(_duplicate_message(file, search_by_sha256(conn, sha)))
                search_id = insert_search(
                    conn, source=name, platform=platform, query=query, searched_on=searched_on,
                    method=method, file_name=file.name, file_format=fmt, sha256=sha,
                    imported_by=actor,
                )
                count = insert_values(conn, search_id, chain([first], batches), progress=progress)
                set_search_count(conn, search_id, count)
                self.store.audit(conn, actor, "search.imported", {
                    "search_id": search_id, "source": name, "file": file.name, "format": fmt,
                    "records": count, "sha256": sha, "unparsed": tally.summary(),
                    "text_notes": source_file.notes,
                })
        warnings = tally.warnings() + source_file.notes + self.source_warnings()
        return ImportResult(search_id, name, count, fmt, file.name, sha,
                            unparsed=tally.summary(), warnings=tuple(warnings))

    def source_warnings(self) -> list[str]:
        """Where the protocol's sources and the imported ones differ, both ways."""
        return source_mismatches(self.protocol, [s.source for s in self.searches()])

    def import_warnings(self, search_id: int) -> list[str]:
        """The warnings of an earlier import, as :attr:`ImportResult.warnings` gave them
        (unreadable fields and bytes read as Windows-1252, from the audit trail; the
        protocol's sources as they now stand against the searches imported).

        Raises
        ------
        NotFound
            No import of that search is recorded.
        """
        with self.store.reading() as conn:
            found = [d for d in audit_details(conn, "search.imported")
                     if d.get("search_id") == search_id]
        if not found:
            raise NotFound(f"no import of search {search_id} is recorded")
        return (unparsed_warnings(found[-1].get("unparsed") or {})
                + list(found[-1].get("text_notes") or []) + self.source_warnings())

    def undo_search(self, search_id: int, actor: str = DEFAULT_ACTOR) -> dict[str, int]:
        """Remove a search and its records, while no one's work rests on them.

        The same file may be imported again afterwards. Returns how many records,
        emptied duplicate groups and candidate pairs went; audited as ``search.undone``.

        Raises
        ------
        NotFound
            No such search.
        UsageError
            Some of its records have a decision, a duplicate resolution, a full text or
            a charting entry; the message says how many and by what.
        """
        with self.store.transaction() as conn:
            pins = search_pins(conn, search_id)
            if pins:
                what = "; ".join(f"{n:,} by {pin_label(k)}" for k, n in pins.items())
                raise UsageError(
                    f"search {search_id} cannot be undone: some of its records are pinned "
                    f"({what}); nothing was removed"
                )
            search = next(s for s in list_searches(conn) if s.id == search_id)
            removed = delete_search(conn, search_id)
            self.store.audit(conn, actor, "search.undone", {
                "search_id": search_id, "source": search.source, "file": search.file_name,
                "sha256": search.sha256, **removed,
            })
        return removed

    def searches(self) -> list[Search]:
        """Every search imported so far, in order."""
        with self.store.reading() as conn:
            return list_searches(conn)

    def store_online_search(
        self,
        records: Iterable[Record],
        *,
        source: str,
        connector: str,
        query: str,
        platform: str = "",
        details: dict[str, Any] | None = None,
        actor: str = DEFAULT_ACTOR,
        total_available: int | None = None,
    ) -> ImportResult:
        """Store the records of an online search as one search (method ``api``)."""
        today = date.today().isoformat()
        with self.store.transaction() as conn:
            search_id = insert_search(
                conn, source=source, platform=platform or connector, query=query,
                searched_on=today, method="api", file_format=connector, imported_by=actor,
                details={**(details or {}), "connector": connector,
                         "total_available": total_available},
            )
            count = insert_records(conn, search_id, records)
            set_search_count(conn, search_id, count)
            self.store.audit(conn, actor, "search.online", {
                "search_id": search_id, "source": source, "connector": connector,
                "query": query, "records": count, "total_available": total_available,
            })
        return ImportResult(search_id, source, count, connector, total_available=total_available)

    def search(
        self,
        source: str | None = None,
        query: str | None = None,
        max_records: int | None = None,
        *,
        actor: str = DEFAULT_ACTOR,
        client: Any = None,
    ) -> list[ImportResult]:
        """Run online searches and store each as an import.

        With ``source`` (a connector: pubmed, europepmc, openalex, crossref) and
        ``query``, run that one search. With ``source`` ``None`` or ``"all"``, run every
        planned source of the protocol with ``method = "api"``.

        Raises
        ------
        ConnectorError
            Offline, rate-limited past the retries, or a bad answer; nothing is stored
            for that search.
        """
        from scopewise.sources.online import get_connector

        plans: list[tuple[str, str, str, str, str, str]] = []
        if source and source != "all":
            if not query:
                raise UsageError("give --query with --source (or use --all for the protocol's)")
            plans.append((source, source, query, "", "", ""))
        else:
            for planned in self.protocol.sources:
                if planned.method == "api" and planned.connector:
                    plans.append((planned.name, planned.connector, planned.query,
                                  planned.platform, planned.date_from, planned.date_to))
            if not plans:
                raise UsageError(
                    "the protocol plans no online search (a [[sources]] entry with "
                    "method = \"api\" and a connector); add one or use --source and --query"
                )
        results = []
        for name, connector_name, text, platform, date_from, date_to in plans:
            connector = get_connector(connector_name, client=client)
            found = connector.search(text, max_records=max_records, date_from=date_from,
                                     date_to=date_to)
            display = name if name != connector_name else connector.label
            results.append(self.store_online_search(
                found.records, source=display, connector=connector.name, query=text,
                platform=platform or connector.platform,
                details={"url": found.url, "date_from": date_from, "date_to": date_to},
                actor=actor, total_available=found.total,
            ))
        return results

    def export(
        self,
        path: str | Path,
        format: str | None = None,
        stage: str | None = None,
        decision: str | None = None,
    ) -> int:
        """Write records to ``path``; every imported record by default, duplicates included.

        CSV/XLSX carry ``record_id``, ``source_record_id``, ``source`` and
        ``duplicate_group`` (shared by the members of an active duplicate group; a
        unique record has its own) before the normalised fields. With ``stage`` and
        ``decision`` only records whose final outcome at that stage matches are written
        (``include``/``exclude``/``maybe``, or a status such as ``conflict``).
        """
        target = Path(path)
        with self.store.reading() as conn:
            wanted = self._filtered_ids(conn, stage, decision)
            groups = duplicate_group_labels(conn)
            items = (
                (record, dict(zip(EXPORT_LEADING, (
                    record_id, record.source_record_id, search_source,
                    groups.get(record_id, f"R{record_id}")), strict=True)))
                for record_id, search_source, record in iter_records(conn, wanted)
            )
            return write_records(target, ExportItems(items, EXPORT_LEADING), format=format)

    def _filtered_ids(self, conn: Any, stage: str | None, decision: str | None) -> list[int] | None:
        if stage is None and decision is None:
            return None
        if stage is None or decision is None:
            raise UsageError("give both --stage and --decision to filter an export")
        try:
            from scopewise.store.snapshot import screening_snapshot
        except ImportError:  # pragma: no cover - screening not installed yet
            raise UsageError("filtering by screening decision is not available yet") from None
        stages = ("title_abstract", "full_text")
        if stage not in stages:
            raise UsageError(f"unknown stage {stage!r}; use title_abstract or full_text")
        snapshot = screening_snapshot(conn)
        ids = []
        for record_id, outcome in snapshot.records.items():
            result = getattr(outcome, stage)
            if result is None:
                continue
            if decision in (result.decision, result.status):
                ids.append(record_id)
        return ids


def _value_batches(
    reader: Reader, source: SourceFile, tally: UnparsedTally
) -> Generator[list[tuple[Any, ...]], None, None]:
    """Column values of every record, in batches; parsed by worker processes when it pays.

    A large file whose reader can cut it into blocks is parsed by worker processes
    while this process stores earlier batches; otherwise records are parsed here.
    Either way the batches come in file order and a bad record raises here, inside
    the caller's transaction, so nothing is half-imported.
    """
    workers = worker_count()
    if (
        reader.blocks is not None
        and reader.parse_block is not None
        and workers > 1
        and source.path.stat().st_size >= PARALLEL_MIN_BYTES
    ):
        for values in parallel_values(
            reader.blocks(source), reader.parse_block, record_values, workers=workers
        ):
            tally.add(values)
            yield values
        return
    batch: list[tuple[Any, ...]] = []
    for record in reader.read(source):
        batch.append(record_values(record))
        if len(batch) >= BATCH_SIZE:
            tally.add(batch)
            yield batch
            batch = []
    tally.add(batch)
    yield batch


def _first_record(batch: list[tuple[Any, ...]]) -> Record | None:
    """Enough of the first record (its id and raw fields) to guess the source."""
    if not batch:
        return None
    values = dict(zip(VALUE_COLUMNS, batch[0], strict=True))
    return Record(source_record_id=values["source_record_id"], raw=json.loads(values["raw"]))


def _duplicate_message(path: Path, earlier: Search | None) -> str:
    if earlier is None:
        return f"{path}: this file was already imported; nothing was imported"
    return (
        f"{path}: this file (sha256 {str(earlier.sha256)[:12]}...) was already imported as "
        f"search {earlier.id} ({earlier.source}, {earlier.record_count} records, "
        f"{earlier.imported_at:%Y-%m-%d}); nothing was imported"
    )
