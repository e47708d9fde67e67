"""Deduplication: find records that are the same bibliographic record.

Three outcomes per pair: a *sure* duplicate is merged automatically, a *possible*
duplicate is queued for a person, anything else is *distinct*. Every merge carries
its reason (the rule, the fields that matched and differed, the score). Nothing here
deletes a record: the store keeps groups and can undo them.

>>> from scopewise.records import Record
>>> a = Record(title="Eculizumab in aHUS", doi="10.1000/x1", year=2011)
>>> b = Record(title="Eculizumab in aHUS.", doi="https://doi.org/10.1000/X1", year=2011)
>>> result = find_duplicates([(1, a), (2, b)])
>>> [g.record_ids for g in result.groups]
[(1, 2)]
"""

from scopewise.dedup.blocking import blocking_keys, candidate_pairs
from scopewise.dedup.cluster import cluster_pairs
from scopewise.dedup.keys import MatchKeys, match_keys, normalise_journal, normalise_title
from scopewise.dedup.matching import CandidatePair, DedupResult, DuplicateGroup, find_duplicates
from scopewise.dedup.merge import MergedRecord, merge_records
from scopewise.dedup.rules import Outcome, Verdict, classify
from scopewise.dedup.score import PairEvidence, compare

__all__ = [
    "CandidatePair",
    "DedupResult",
    "DuplicateGroup",
    "MatchKeys",
    "MergedRecord",
    "Outcome",
    "PairEvidence",
    "Verdict",
    "blocking_keys",
    "candidate_pairs",
    "classify",
    "cluster_pairs",
    "compare",
    "find_duplicates",
    "match_keys",
    "merge_records",
    "normalise_journal",
    "normalise_title",
]
