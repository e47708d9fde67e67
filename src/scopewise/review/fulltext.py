"""FullTextMixin: the full texts of the records that pass title/abstract screening.

A PDF is copied into the project (``files/<sha256>.pdf``) and its hash stored; a
report whose full text could not be obtained is marked "not retrieved" with the
reason, which the PRISMA flow counts. Decisions on full texts are taken with
:meth:`~scopewise.review.screening.ScreeningMixin.decide` at the ``full_text`` stage.
"""

from __future__ import annotations

from pathlib import Path

from scopewise.errors import ScreeningError, UsageError
from scopewise.review.screening_stop import StoppingMixin
from scopewise.screening.fulltext import FullTextEntry, file_pdf, latest_full_texts
from scopewise.store import screening as db

__all__ = ["FullTextMixin"]


class FullTextMixin(StoppingMixin):
    """Full texts: attach a PDF, mark one not retrieved, read what counts."""

    def attach_full_text(self, record_id: int, pdf_path: str | Path, actor: str) -> FullTextEntry:
        """Copy a PDF into the project (``files/<sha256>.pdf``) and attach it to a record.

        Raises
        ------
        ScreeningError
            The file is missing or not a PDF (checked by its ``%PDF-`` header).
        """
        self._load_protocol()
        source = Path(pdf_path)
        with self.store.transaction() as conn:
            db.check_screenable(conn, record_id)
            sha, dest = file_pdf(source, self.path / "files")
            relative = dest.relative_to(self.path).as_posix()
            new_id = db.insert_full_text(
                conn, record_id, "attached", actor, source.name, sha, relative
            )
            self.store.audit(
                conn,
                actor,
                "fulltext.attached",
                {"record": record_id, "file": source.name, "sha256": sha},
            )
        return FullTextEntry(
            new_id, record_id, "attached", source.name, sha, relative, "", None, actor
        )

    def mark_not_retrieved(self, record_id: int, reason: str, actor: str) -> FullTextEntry:
        """Record that a record's full text could not be obtained (a PRISMA number)."""
        self._load_protocol()
        reason = " ".join(reason.split())
        if not reason:
            raise UsageError("say why the full text was not retrieved (--reason)")
        with self.store.transaction() as conn:
            db.check_screenable(conn, record_id)
            outcome = self._batch(conn, [record_id]).outcome(record_id)
            ta = outcome.title_abstract
            if ta is not None and ta.status == "excluded":
                raise ScreeningError(
                    f"record {record_id} was excluded at title/abstract; its full text is not sought"
                )
            if outcome.full_text is not None and outcome.full_text.decisions:
                raise ScreeningError(
                    f"record {record_id} already has full-text decisions, so its full text was read"
                )
            new_id = db.insert_full_text(conn, record_id, "not_retrieved", actor, reason=reason)
            self.store.audit(
                conn, actor, "fulltext.not_retrieved", {"record": record_id, "reason": reason}
            )
        return FullTextEntry(new_id, record_id, "not_retrieved", reason=reason, created_by=actor)

    def full_text(self, record_id: int) -> FullTextEntry | None:
        """The full-text entry that counts for a record (``None`` if there is none)."""
        self._load_protocol()
        with self.store.reading() as conn:
            return latest_full_texts(db.full_text_rows(conn, [record_id])).get(record_id)
