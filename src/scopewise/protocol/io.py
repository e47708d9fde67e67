"""Load, check and save protocol TOML files, with errors that name file, line and field."""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from scopewise.errors import ProtocolError
from scopewise.protocol.model import Protocol

__all__ = [
    "check_protocol",
    "check_protocol_text",
    "diff_protocols",
    "dump_protocol",
    "load_protocol",
    "parse_protocol",
]

_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _split_key(text: str) -> list[str]:
    return [
        part.strip().strip("\"'")
        for part in re.split(r"\.(?=(?:[^\"']*[\"'][^\"']*[\"'])*[^\"']*$)", text)
    ]


def locate(text: str, loc: tuple[str | int, ...]) -> int | None:
    """The 1-based line where the value at ``loc`` is written, or ``None``.

    Understands tables, arrays of tables and dotted keys; a location inside an
    inline array or table resolves to the line of its key.
    """
    table: list[str | int] = []
    counts: dict[tuple[str, ...], int] = {}
    best: tuple[int, int] | None = None  # (matched length, line)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names = _split_key(header.group(2))
            if header.group(1) == "[[":
                key = tuple(names)
                counts[key] = counts.get(key, -1) + 1
                table = [*names, counts[key]]
            else:
                table = list(names)
            path: list[str | int] = table
        else:
            key_match = _KEY.match(line)
            if not key_match:
                continue
            path = [*table, *_split_key(key_match.group(1))]
        matched = 0
        for want, have in zip(loc, path, strict=False):
            if want != have:
                break
            matched += 1
        if matched == len(path) and matched and (best is None or matched > best[0]):
            best = (matched, number)
    return best[1] if best else None


def _field_name(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_protocol(text: str, path: str = "protocol.toml") -> Protocol:
    """Validate TOML text into a :class:`Protocol`.

    Raises
    ------
    ProtocolError
        One error naming the file, the line and the field (the first problem found).
    """
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        pos = _TOML_POS.search(message)
        line = int(pos.group(1)) if pos else None
        message = _TOML_POS.sub("", message).strip()
        raise ProtocolError(f"not valid TOML: {message}", path=path, line=line) from None
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        raise _errors(exc, text, path)[0] from None


def _errors(exc: ValidationError, text: str, path: str) -> list[ProtocolError]:
    """Every validation error, each naming the file, the line and the field."""
    out = []
    for error in exc.errors(include_url=False):
        loc = tuple(
            p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        # drop pydantic's internal tags such as "literal['a','b']"
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or "(" in p)))
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if error["type"] == "missing":
            message = "is required but missing"
            parent = loc[:-1]
            line = locate(text, parent) if parent else None
        else:
            line = locate(text, loc)
            if "input" in error and error["type"] not in ("extra_forbidden",):
                given = error["input"]
                if not isinstance(given, dict | list):
                    message = f"{message} (got {given!r})"
        if error["type"] == "extra_forbidden":
            message = "is not a protocol field; check its spelling or remove it"
        out.append(ProtocolError(message, path=path, line=line, field=_field_name(loc) or None))
    return out


_PLACEHOLDER = re.compile(r"\bTODO\b|\bTBD\b|\bFIXME\b|\.\.\.$|^\?+$")
_REQUIRED_TEXT: tuple[tuple[str | int, ...], ...] = (
    ("review", "title"), ("pcc", "population"), ("pcc", "concept"), ("pcc", "context"),
)


def _strings(value: Any, loc: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        return [(loc, value)]
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _strings(v, (*loc, k))]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in _strings(v, (*loc, i))]
    return []


def _placeholders(data: dict[str, Any], text: str, path: str) -> list[ProtocolError]:
    """Text still to be written: "TODO" and the like, and required text left empty."""
    out = []
    for loc, value in _strings(data, ()):
        if _PLACEHOLDER.search(value.strip()):
            out.append(ProtocolError(
                f"is a placeholder ({value.strip()[:40]!r}); write the real text, or check "
                "with --draft while the protocol is a draft",
                path=path, line=locate(text, loc), field=_field_name(loc)))
    required = list(_REQUIRED_TEXT)
    required += [("questions", i) for i in range(len(data.get("questions") or []))]
    criteria = data.get("criteria") if isinstance(data.get("criteria"), dict) else {}
    for kind in ("inclusion", "exclusion"):
        items = criteria.get(kind) if isinstance(criteria, dict) else None
        required += [("criteria", kind, i, "text") for i in range(len(items or []))]
    for loc in required:
        node: Any = data
        for part in loc:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                node = None
                break
        if isinstance(node, str) and not node.strip():
            out.append(ProtocolError("is empty; this text is required", path=path,
                                     line=locate(text, loc), field=_field_name(loc)))
    return out


def check_protocol_text(
    text: str, path: str = "protocol.toml", draft: bool = False
) -> tuple[Protocol | None, list[ProtocolError]]:
    """Every error of a protocol in one pass, in file order, each with file:line and
    field; placeholders ("TODO", empty required text) count unless ``draft``.

    Returns the protocol when it is valid (even with placeholders), and the errors.
    """
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        try:
            parse_protocol(text, path)
        except ProtocolError as bad_toml:
            return None, [bad_toml]
        raise  # pragma: no cover - parse_protocol raised for this text just before
    errors: list[ProtocolError] = []
    protocol: Protocol | None = None
    try:
        protocol = Protocol.model_validate(data)
    except ValidationError as exc:
        errors += _errors(exc, text, path)
    if not draft:
        errors += _placeholders(data, text, path)
    errors.sort(key=lambda e: (e.line or 0, e.field or ""))
    seen: set[tuple[int | None, str | None]] = set()
    unique = []
    for found in errors:  # one error per field: validation and placeholders may both see it
        if (found.line, found.field) not in seen:
            seen.add((found.line, found.field))
            unique.append(found)
    return protocol, unique


def check_protocol(path: str | Path, draft: bool = False) -> tuple[Protocol | None, list[ProtocolError]]:
    """:func:`check_protocol_text` on a file (read as :func:`load_protocol` reads it)."""
    file = Path(path)
    try:
        text = _read_text(file)
    except ProtocolError as error:
        return None, [error]
    return check_protocol_text(text, str(file), draft)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProtocolError("file not found", path=str(path)) from None
    except IsADirectoryError:
        raise ProtocolError("is a folder, not a protocol file", path=str(path)) from None
    except OSError as exc:
        raise ProtocolError(f"cannot read: {exc.strerror}", path=str(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProtocolError(
            "is not UTF-8 text; save it as UTF-8", path=str(path), line=line
        ) from None


def load_protocol(path: str | Path) -> Protocol:
    """Read and validate a protocol file.

    Raises
    ------
    ProtocolError
        The file cannot be read, is not UTF-8 TOML, or fails validation.
    """
    path = Path(path)
    return parse_protocol(_read_text(path), str(path))


def dump_protocol(protocol: Protocol) -> str:
    """The protocol as TOML text (comments are not kept; the stored versions keep them)."""
    data = protocol.model_dump(mode="json", exclude_none=True)
    return tomli_w.dumps(data)


def diff_protocols(old: str, new: str, old_name: str = "previous", new_name: str = "new") -> str:
    """A unified diff between two protocol texts."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=old_name,
            tofile=new_name,
        )
    )
