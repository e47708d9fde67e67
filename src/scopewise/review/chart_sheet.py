"""The charting sheet: export the sources to chart to CSV or XLSX, and read a filled one.

Columns: ``record_id``, ``authors``, ``year``, ``title``, then one column per active
field of the form, named as the field. Multiple-choice values are joined with "; ",
yes/no is "yes"/"no", a country is its English short name. ``--suggest`` adds
``suggested_<field>`` and ``suggested_<field>_evidence`` columns, which an import
ignores along with the citation columns.

Reading is all or nothing: every cell is checked before anything is stored, and the
first bad cell refuses the file with one line naming ``file:line``, the field and
the allowed values. CSV files are read in the encodings and with the separators
spreadsheets save (the same rules as ``screen --import-decisions``); an XLSX file is
recognised by its content, not its name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from itertools import zip_longest
from pathlib import Path
from typing import Any

from scopewise.analysis.charting import ChartedSource
from scopewise.cells import read_text_cell, text_cell
from scopewise.charting import MULTI_SEPARATOR, check_value, display_value
from scopewise.errors import ChartingError, ScopewiseError
from scopewise.protocol import ChartingForm
from scopewise.records import number_of
from scopewise.review.sheet_xlsx import CellTooLong, unescape_cell, write_xlsx
from scopewise.screening.decisions import header_delimiter
from scopewise.sources.tabular import first_sheet_rows
from scopewise.sources.textfile import read_small_file, small_file_text
from scopewise.text import name_key

__all__ = ["CITATION_COLUMNS", "MAX_SHEET_BYTES", "read_sheet", "sheet_rows", "write_sheet"]

CITATION_COLUMNS = ("authors", "year", "title")
# Other columns a team may keep beside the fields; an import ignores them.
_IGNORED = {"authors", "year", "title", "journal", "doi", "source", "notes_for_team"}
MAX_SHEET_BYTES = 256 * 2**20
_XLSX_MAGIC = b"PK\x03\x04"


def sheet_rows(
    sources: Sequence[ChartedSource],
    form: ChartingForm,
    suggestions: dict[int, dict[str, list[Any]]] | None = None,
) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a sheet for ``sources`` (their values as given)."""
    fields = form.active_fields
    header = ["record_id", *CITATION_COLUMNS, *(f.name for f in fields)]
    suggested = [
        f
        for f in fields
        if suggestions is not None and f.type in ("single_choice", "multiple_choice", "country")
    ]
    for f in suggested:
        header += [f"suggested_{f.name}", f"suggested_{f.name}_evidence"]
    rows: list[list[str]] = []
    for s in sources:
        row = [
            str(s.record_id),
            MULTI_SEPARATOR.join(s.authors),
            str(s.year or ""),
            s.title,
            *(display_value(f, s.values.get(f.name)) for f in fields),
        ]
        for f in suggested:
            found = (suggestions or {}).get(s.record_id, {}).get(f.name, [])
            if f.type == "single_choice":
                found = found[:1]
            row.append(
                MULTI_SEPARATOR.join(
                    display_value(f, x.value) if f.type == "country" else x.value for x in found
                )
            )
            row.append(" | ".join(x.evidence for x in found))
        rows.append(row)
    return header, rows


def write_sheet(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a sheet as CSV (UTF-8 with BOM, as Excel opens it) or XLSX, by extension."""
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([text_cell(c) for c in header])
            writer.writerows([text_cell(c) for c in row] for row in rows)
        return path
    if suffix == ".xlsx":
        try:
            return write_xlsx(path, header, rows, sheet_name="charting")
        except CellTooLong as exc:
            raise ChartingError(f"{path}: {exc}") from None
    raise ChartingError(f"{path}: a charting sheet is written as .csv or .xlsx")


def _csv_lines(path: Path, data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = small_file_text(path, data, ChartingError, "save the sheet as CSV or XLSX")
    # the separators --import-decisions reads: comma, else tab or semicolon
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=header_delimiter(text))
    try:
        for row in reader:
            yield reader.line_num, [read_text_cell(c) for c in row]
    except csv.Error as exc:
        raise ChartingError(f"{path}:{reader.line_num}: the CSV is malformed ({exc})") from None


def _xlsx_lines(path: Path, data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    def opened(data_only: bool) -> Any:
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ChartingError(
                f"{path}: cannot read the workbook ({type(exc).__name__})") from None
        books.callback(book.close)
        return book

    with ExitStack() as books:
        values = opened(data_only=True)
        # the same sheet with its formulas: a formula whose result was never saved (a
        # sheet written by a script, not saved by Excel or LibreOffice) has no value to
        # read, and reading it as empty would lose what the charter meant
        formulas = opened(data_only=False)
        rows = first_sheet_rows(values, lambda why: ChartingError(f"{path}: {why}"))
        written = first_sheet_rows(formulas, lambda why: ChartingError(f"{path}: {why}"))
        for number, (row, as_written) in enumerate(zip_longest(rows, written, fillvalue=()), 1):
            for column, (value, formula) in enumerate(zip(row, as_written, strict=False), 1):
                if value is None and isinstance(formula, str) and formula.startswith("="):
                    raise ChartingError(
                        f"{path}:{number}: cell {get_column_letter(column)}{number} holds the "
                        f"formula {formula[:60]} with no saved result; open the sheet in Excel "
                        "or LibreOffice, save it, and import it again")
            yield number, ["" if v is None else _cell_text(v) for v in row]


def _cell_text(value: Any) -> str:
    if isinstance(value, str):
        return unescape_cell(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_sheet(
    path: str | Path, form: ChartingForm, known_records: set[int], included: set[int]
) -> dict[int, dict[str, Any]]:
    """The checked values of a filled sheet: record -> field -> value (``None`` = empty).

    Raises
    ------
    ChartingError
        Empty, binary, oversized or malformed file; no ``record_id`` column; a column
        that is not a field; a duplicated or unknown record; a record that is not
        included; a bad cell. Each names ``file:line``.
    """
    file = Path(path)
    data = read_small_file(file, MAX_SHEET_BYTES, ChartingError, "charting sheet")
    lines = _xlsx_lines(file, data) if data.startswith(_XLSX_MAGIC) else _csv_lines(file, data)
    header: list[str] | None = None
    id_at = 0
    columns: list[tuple[int, str]] = []
    out: dict[int, dict[str, Any]] = {}
    seen_at: dict[int, int] = {}
    checked: dict[tuple[str, str], Any] = {}
    specs = {f.name: f for f in form.fields}
    for number, cells in lines:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = _as_exported(cells, form)
            columns = _field_columns(file, number, header, form)
            id_at = header.index("record_id")
            continue
        rid = _record_id(file, number, cells[id_at] if id_at < len(cells) else "")
        if rid in seen_at:
            raise ChartingError(
                f"{file}:{number}: record {rid} appears twice (first on line {seen_at[rid]}); "
                "keep one row per source"
            )
        seen_at[rid] = number
        if rid not in known_records:
            raise ChartingError(
                f"{file}:{number}: record {rid} is not a record of this project "
                "(is the sheet from another project?)"
            )
        if rid not in included:
            raise ChartingError(
                f"{file}:{number}: record {rid} is not included; only included sources are charted"
            )
        values: dict[str, Any] = {}
        for index, name in columns:
            raw = cells[index] if index < len(cells) else ""
            key = (name, raw)
            if key in checked:  # sheets repeat the same choices thousands of times
                value = checked[key]
                values[name] = list(value) if isinstance(value, list) else value
                continue
            try:
                value = check_value(specs[name], raw, rid)
            except ScopewiseError as exc:
                raise ChartingError(f"{file}:{number}: {exc}") from None
            checked[key] = value
            values[name] = list(value) if isinstance(value, list) else value
        out[rid] = values
    if header is None:
        raise ChartingError(f"{file}: the sheet has no header row")
    return out


def _as_exported(cells: list[str], form: ChartingForm) -> list[str]:
    """A header row with each column named as the export names it, when it is that
    name, or a field's label, apart from case, spacing and ``_`` ("Record ID",
    "Study design", "STUDY_DESIGN"); other columns as they are (and refused by
    :func:`_field_columns` when they are not columns a sheet may keep)."""
    def key(text: str) -> str:
        return name_key(text.replace("_", " "))

    names: dict[str, str] = {key(n): n for n in ("record_id", *_IGNORED)}
    for spec in form.fields:  # a field named like a citation column stays that name
        names.setdefault(key(spec.name), spec.name)
        if spec.label:
            names.setdefault(key(spec.label), spec.name)
    out = []
    for cell in cells:
        name = cell.strip().lstrip("\ufeff")
        if name.startswith("suggested_") or key(name).startswith("suggested "):
            out.append(name)
        else:
            out.append(names.get(key(name), name))
    return out


def _field_columns(
    path: Path, line: int, header: list[str], form: ChartingForm
) -> list[tuple[int, str]]:
    if "record_id" not in header:
        raise ChartingError(
            f"{path}:{line}: no record_id column; export a sheet with scopewise chart DIR --export FILE"
        )
    columns: list[tuple[int, str]] = []
    # A form may have a field named like a citation column (the example's "year").
    # The export writes the citation columns before "title" and the fields after it,
    # so such a name is the citation's before "title" and the field's after it; in a
    # sheet without "title", a single such column is the field's, and of two the
    # second is.
    title_at = header.index("title") if "title" in header else None
    citation_seen: set[str] = set()
    for index, name in enumerate(header):
        if name == "record_id" or name.startswith("suggested_") or not name:
            continue
        if name in _IGNORED:
            is_field = form.field(name) is not None and (
                (title_at is not None and index > title_at)
                or (title_at is None and (name in citation_seen or header.count(name) == 1))
            )
            citation_seen.add(name)
            if not is_field:
                continue
        spec = form.field(name)
        if spec is None:
            known = ", ".join(f.name for f in form.active_fields)
            raise ChartingError(
                f"{path}:{line}: column {name!r} is not a field of the charting form; its fields: {known}"
            )
        if spec.retired:
            raise ChartingError(
                f"{path}:{line}: column {name!r} is a retired field; remove the column"
            )
        columns.append((index, name))
    return columns


def _record_id(path: Path, line: int, text: str) -> int:
    value = text.strip()
    if value.endswith(".0"):
        value = value[:-2]
    number = number_of(value)
    if number is None:
        raise ChartingError(f"{path}:{line}: record_id {text!r} is not a record number")
    return number
