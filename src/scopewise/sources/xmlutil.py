"""Shared helpers for the XML readers: streaming ``iterparse`` with line numbers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

from scopewise.errors import ImportFormatError
from scopewise.sources.textfile import SourceFile

__all__ = ["iter_elements", "text_of"]


def text_of(element: Any) -> str:
    """All text inside ``element`` (EndNote wraps text in ``<style>``), or ``""``."""
    if element is None:
        return ""
    return "".join(element.itertext())


def iter_elements(source: SourceFile, tag: str, what: str) -> Iterator[Any]:
    """Stream the ``tag`` elements of an XML file, freeing each after use.

    Memory stays bounded: each element and its preceding siblings are cleared once
    the caller has turned it into a record.
    """
    count = 0
    try:
        for _event, element in etree.iterparse(
            str(source.path), events=("end",), tag=tag, huge_tree=True, resolve_entities=False,
            no_network=True, recover=False,
        ):
            count += 1
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else None
        raise ImportFormatError(
            f"the XML is broken ({error.msg}); the file looks cut off or damaged: export it again",
            path=source.name, line=line, record=count + 1,
        ) from None
    if count == 0:
        raise ImportFormatError(f"no <{tag}> elements found: this is not {what}", path=source.name)
