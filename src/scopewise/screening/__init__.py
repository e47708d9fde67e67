"""scopewise.screening."""

# -- workflow: decisions, conflicts, agreement, full texts ------------------------
from scopewise.screening.agreement import (
    PairAgreement,
    StageAgreement,
    agreement,
    cohen_kappa,
    confusion_table,
)
from scopewise.screening.conflicts import (
    STATUSES,
    RecordOutcome,
    StageOutcome,
    check_resolver,
    is_conflict,
    outcomes,
    stage_outcome,
)
from scopewise.screening.decisions import (
    DECISIONS,
    KINDS,
    STAGE_LABELS,
    Decision,
    DecisionInput,
    latest_decisions,
    parse_decisions_csv,
    valid_reasons,
    validate_decision,
    validate_stage,
)
from scopewise.screening.fulltext import (
    FullTextEntry,
    check_pdf,
    file_pdf,
    latest_full_texts,
    sha256_file,
)

__all__ = [  # workflow exports; prioritisation exports are appended below
    "DECISIONS",
    "KINDS",
    "STAGE_LABELS",
    "STATUSES",
    "Decision",
    "DecisionInput",
    "FullTextEntry",
    "PairAgreement",
    "RecordOutcome",
    "StageAgreement",
    "StageOutcome",
    "agreement",
    "check_pdf",
    "check_resolver",
    "cohen_kappa",
    "confusion_table",
    "file_pdf",
    "is_conflict",
    "latest_decisions",
    "latest_full_texts",
    "outcomes",
    "parse_decisions_csv",
    "sha256_file",
    "stage_outcome",
    "valid_reasons",
    "validate_decision",
    "validate_stage",
]
