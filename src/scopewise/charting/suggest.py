"""Suggested values for choice and country fields, each with the words that triggered it.

Transparent rules, not a model: a reviewer can see exactly why a value was
suggested, and ``chart --suggestion-accuracy`` measures how often reviewers confirm
each one. A suggestion is never stored as a value; it is shown (sheet column, API,
web form) until a person enters the value.

- **Study design** (a choice field whose name contains ``design``): phrases that
  name a design ("scoping review", "randomised controlled trial", "focus groups",
  "mixed methods", "service evaluation", "toolkit"...) map to the form's own choice
  whose label names the same design. When several designs are named, the more
  specific one comes first (a review of trials is a review; mixed methods beat
  qualitative).
- **Other choice fields** (setting, role...): a choice is suggested when its label
  appears as a phrase, or when all its distinctive words appear in one sentence.
- **Country**: country names from ISO 3166 (pycountry), and the constituent
  countries ISO 3166-2 lists for them (England -> United Kingdom).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from scopewise.protocol import ChartingField, ChartingForm

__all__ = ["Suggestion", "design_rules", "suggest", "suggest_field"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A value a rule proposes, and the sentence that made it."""

    value: str
    evidence: str
    rule: str


# (design, pattern in the text, pattern of a choice label naming that design),
# in order of precedence.
_DESIGNS: tuple[tuple[str, str, str], ...] = (
    (
        "mixed methods",
        r"mixed[- ]methods?|multi[- ]method",
        r"mixed",
    ),
    (
        "review",
        r"(systematic|scoping|literature|narrative|rapid|umbrella|realist|integrative|"
        r"critical|mapping)\s+reviews?|meta[- ]analys[ie]s|meta[- ]synthes[ie]s|"
        r"review of (the )?(literature|evidence|research)",
        r"review",
    ),
    (
        "RCT",
        r"randomi[sz]ed (controlled |clinical |pragmatic |pilot |feasibility )?trials?|"
        r"\bRCTs?\b|cluster[- ]randomi[sz]ed",
        r"\bRCT\b|randomi[sz]ed controlled|randomi[sz]ed trial",
    ),
    (
        "non-randomised comparison",
        r"quasi[- ]experiment\w*|non[- ]?randomi[sz]ed|controlled before|"
        r"(matched |a |with a |no )?(control|comparison) group|propensity score|"
        r"(prospective|retrospective) cohort|case[- ]control",
        r"non[- ]?randomi[sz]ed|quasi|comparison|cohort",
    ),
    (
        "service evaluation",
        r"service evaluation|(programme|program|project|pilot|service) evaluation|"
        r"evaluation of (a|the|an) [\w -]{0,40}(service|programme|program|project|pilot)|"
        r"\baudit\b",
        r"evaluation",
    ),
    (
        "qualitative",
        r"qualitative|semi[- ]structured interviews?|in[- ]depth interviews?|focus groups?|"
        r"thematic analysis|interpretative phenomenological|grounded theory|ethnograph\w*",
        r"qualitative",
    ),
    (
        "guidance",
        r"guidance|guidelines?|toolkits?|position statement|policy (document|paper)|"
        r"practice standards?|competenc(y|ies) framework",
        r"guid|polic|toolkit|standard",
    ),
)

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])|\n+")
_GENERIC = {
    "a",
    "an",
    "and",
    "the",
    "of",
    "in",
    "for",
    "or",
    "to",
    "with",
    "other",
    "mental",
    "health",
    "service",
    "services",
    "specialist",
    "setting",
    "settings",
    "general",
}


def _sentences(texts: Iterable[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        out.extend(s.strip() for s in _SENTENCE.split(text or "") if s and s.strip())
    return out


def _evidence(sentence: str, match: re.Match[str]) -> str:
    text = " ".join(sentence.split())
    if len(text) <= 240:
        return text
    start = max(0, match.start() - 100)
    return ("..." if start else "") + text[start : start + 240].strip() + "..."


def design_rules() -> tuple[tuple[str, str, str], ...]:
    """The study-design rules in precedence order: (design, text pattern, label pattern)."""
    return _DESIGNS


def _design_choice(field: ChartingField, label_pattern: str) -> str | None:
    rx = re.compile(label_pattern, re.IGNORECASE)
    return next((c for c in field.active_choices if rx.search(c)), None)


def _suggest_design(field: ChartingField, sentences: Sequence[str]) -> list[Suggestion]:
    out: list[Suggestion] = []
    seen: set[str] = set()
    for design, text_pattern, label_pattern in _DESIGNS:
        choice = _design_choice(field, label_pattern)
        if choice is None or choice in seen:
            continue
        rx = re.compile(text_pattern, re.IGNORECASE)
        for sentence in sentences:
            match = rx.search(sentence)
            if match:
                out.append(Suggestion(choice, _evidence(sentence, match), f"design: {design}"))
                seen.add(choice)
                break
    return out


@lru_cache(maxsize=512)
def _choice_patterns(choice: str) -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    phrase = re.compile(r"\b" + re.escape(choice) + r"\b", re.IGNORECASE)
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z-]+", choice) if w.casefold() not in _GENERIC]
    return phrase, tuple(re.compile(r"\b" + re.escape(w) + r"\b", re.IGNORECASE) for w in words)


def _suggest_choices(field: ChartingField, sentences: Sequence[str]) -> list[Suggestion]:
    out: list[Suggestion] = []
    for choice in field.active_choices:
        phrase, words = _choice_patterns(choice)
        for sentence in sentences:
            match = phrase.search(sentence)
            if match:
                out.append(Suggestion(choice, _evidence(sentence, match), "label named"))
                break
            if words:
                found = [w.search(sentence) for w in words]
                if all(found):
                    first = min((m for m in found if m), key=lambda m: m.start())
                    out.append(Suggestion(choice, _evidence(sentence, first), "label words named"))
                    break
    return out


@lru_cache(maxsize=1)
def _country_index() -> tuple[re.Pattern[str], dict[str, str]]:
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(country, attr, None)
            if value and "," not in value and len(value) >= 4:
                names[value.casefold()] = str(country.alpha_3)
    for sub in pycountry.subdivisions.get(country_code="GB") or ():  # type: ignore[no-untyped-call]
        if sub.type in ("Country", "Province", "Nation"):
            names[sub.name.casefold()] = "GBR"
    ordered = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in ordered) + r")\b", re.IGNORECASE)
    return pattern, names


def _suggest_country(sentences: Sequence[str]) -> list[Suggestion]:
    pattern, names = _country_index()
    out: list[Suggestion] = []
    seen: set[str] = set()
    for sentence in sentences:
        for match in pattern.finditer(sentence):
            code = names[match.group(1).casefold()]
            if code not in seen:
                seen.add(code)
                out.append(Suggestion(code, _evidence(sentence, match), "country named"))
    return out


def suggest_field(field: ChartingField, texts: Sequence[str]) -> list[Suggestion]:
    """Suggestions for one field from the source's texts (title, abstract, full text)."""
    return _suggest_in(field, _sentences(texts))


def _suggest_in(field: ChartingField, sentences: Sequence[str]) -> list[Suggestion]:
    if field.retired:
        return []
    if field.type == "country":
        return _suggest_country(sentences)
    if field.type not in ("single_choice", "multiple_choice"):
        return []
    if "design" in field.name:
        return _suggest_design(field, sentences)
    return _suggest_choices(field, sentences)


def suggest(form: ChartingForm, texts: Sequence[str]) -> dict[str, list[Suggestion]]:
    """Suggestions for every choice and country field of ``form`` that has any."""
    sentences = _sentences(texts)  # once per source, not once per field
    out: dict[str, list[Suggestion]] = {}
    for field in form.active_fields:
        found = _suggest_in(field, sentences)
        if found:
            out[field.name] = found
    return out
