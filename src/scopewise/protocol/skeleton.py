"""The protocol skeleton that ``scopewise init`` writes when no protocol is given."""

from __future__ import annotations

__all__ = ["SKELETON"]

SKELETON = """\
# A scopewise protocol: the plan of a scoping review (JBI, Peters et al. 2021),
# reported to PRISMA-ScR. Replace every "TODO" and check it with
#   scopewise protocol check protocol.toml

objectives = ["TODO: what the review sets out to map"]
questions = ["TODO: review question 1"]

[review]
title = "TODO: title of the scoping review"
short_title = ""
registration = ""  # e.g. the OSF registration DOI

[[team]]
name = "TODO: review lead"
role = "lead"  # lead | reviewer | information_specialist | stakeholder

[pcc]
population = "TODO: who"
concept = "TODO: what"
context = "TODO: where"

# Each criterion's code also serves as an exclusion reason at full text.
[[criteria.inclusion]]
code = "POP"
text = "TODO: the population criterion"

[[criteria.exclusion]]
code = "E1"
text = "TODO: an exclusion criterion"

# [[sources]]
# name = "PubMed"
# method = "api"          # api (searched by scopewise) or file (imported export)
# connector = "pubmed"    # pubmed | europepmc | openalex | crossref
# query = "..."
# date_from = "2000"

[screening]
stages = ["title_abstract", "full_text"]
reviewers_per_record = 2
blinding = true

# [[charting.fields]]
# name = "study_design"
# type = "single_choice"  # text long_text number year single_choice multiple_choice yes_no country
# choices = ["qualitative", "mixed methods", "RCT"]
# required = true

[consultation]
enabled = false
quotes = "never"
# groups = ["peer worker", "manager", "clinician"]   # stakeholder groups of participants
# mode = "one-off"                                  # one-off | ongoing
# stages = ["analysis", "interpretation"]          # review stages stakeholders took part in
# influence = "consulted"                           # informed | consulted | collaborated | led
"""
