"""LaTeX in BibTeX values turned into plain Unicode text.

bibtexparser's ``latex_to_unicode`` scans a large table for every value (about
1,000 entries a second); this covers what exports contain (accents, escaped
specials, a few named symbols, font commands) in a few regular expressions.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["latex_to_text"]

_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331"}
_NAMED = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å",
    "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "textendash": "–", "textemdash": "—",
    "textquoteright": "’", "textquoteleft": "‘", "textquotedblleft": "“",
    "textquotedblright": "”", "textasciitilde": "~", "textbackslash": "\\",
    "textregistered": "®", "copyright": "©", "textcopyright": "©", "textdegree": "°",
    "textmu": "µ", "textgreater": ">", "textless": "<", "textbar": "|", "textbullet": "•",
    "pm": "±", "times": "×", "leq": "≤", "geq": "≥", "le": "≤", "ge": "≥", "degree": "°",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "ldots": "…", "dots": "…",
    "textsuperscript": "", "textsubscript": "", "textit": "", "textbf": "", "emph": "",
    "textrm": "", "textsc": "", "texttt": "", "mathrm": "", "mathit": "", "url": "",
}
_ACCENT = re.compile(r"\\([`'^\"~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))")
_LETTER_ACCENT = re.compile(r"\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+(\\?[A-Za-z]))")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
_COMMAND = re.compile(r"\\([A-Za-z]+)\s*")
_SPACES = re.compile(r"\\[ ,;:!]")


def _accent(match: re.Match[str]) -> str:
    letter = match.group(2) or match.group(3)
    if letter in ("\\i", "\\j"):
        letter = letter[1]
    return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)])


def latex_to_text(value: str) -> str:
    """``{\\"u}ber J{\\'e}r\\^ome \\& co`` -> ``über Jérôme & co`` (braces removed)."""
    if "\\" in value:
        value = _ACCENT.sub(_accent, value)
        value = _LETTER_ACCENT.sub(_accent, value)
        value = _ESCAPED.sub(lambda m: "\x00" + m.group(1), value)
        value = _SPACES.sub(" ", value)
        value = _COMMAND.sub(lambda m: _NAMED.get(m.group(1), ""), value)
    if "{" in value or "}" in value:
        out = []
        i = 0
        while i < len(value):
            char = value[i]
            if char == "\x00" and i + 1 < len(value):
                out.append(value[i + 1])
                i += 2
                continue
            if char not in "{}":
                out.append(char)
            i += 1
        value = "".join(out)
    else:
        value = value.replace("\x00", "")
    return value.replace("~", " ").replace("$", "")
