"""The grammar of printed labels: one table, first match wins.

A label is read from the start of a paragraph (or of a line). Each rule gives the label's *style*
(which decides the numbering level together with the labels around it), the printed *value*, and
its usual *rank* in the document families (1 = a paragraph number, 2 = a sub-item, 3 = a sub-sub-item;
a dotted number ranks by its depth). The segmenter decides the level in context (`(i)` is the
ninth letter after `(h)`, the first roman numeral elsewhere).

    parse("115.6 Ratify the Convention") -> Label("legal", "115.6", "Ratify the Convention", 2)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROMAN = r"(?:x{0,3})(?:ix|iv|v?i{0,3})"
ROMAN_RE = re.compile(rf"^{ROMAN}$")
ROMAN_UPPER = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"


@dataclass(frozen=True)
class Rule:
    style: str
    pattern: re.Pattern
    rank: int
    capital: bool = False  # the text after it must open with a capital, a quote or a digit
    alone: bool = True  # may stand alone (its paragraph follows on the next line or block)
    kind: str = "item"  # "item" (a paragraph or list label) or "note" (a note body's label)


@dataclass(frozen=True)
class Label:
    style: str
    value: str
    rest: str
    rank: int
    kind: str = "item"

    def __iter__(self):  # (style, value, rest), the shape the segmenter has always used
        return iter((self.style, self.value, self.rest))

    def __getitem__(self, i: int) -> str:
        return (self.style, self.value, self.rest)[i]


# fmt: off
# (each label opens with a digit, "(", "[" or a lower-case letter: `parse` asks no rule of another text)
RULES: list[Rule] = [
    # "5., 6., 7., 8., 9." — one answer to several recommendations
    Rule("num-group", re.compile(r"^(\d{1,3}\.(?:\s*,\s*\d{1,3}\.)+(?:\s*(?:,\s*)?(?:and|y|et|e)\s+\d{1,3}\.)?)(?=\s|$)\s*"), 1),
    # "115.6", "1.2.3", "3.1." — a multi-level number is a whole reference by itself
    Rule("legal", re.compile(r"^(\d{1,3}(?:\.\d{1,3}){1,3})\.?(?=\s|$)\s*"), 0, capital=True),
    Rule("num-paren", re.compile(r"^\((\d{1,3})\)\s*"), 2),
    Rule("alpha-paren", re.compile(r"^\(([a-z]|([a-z])\2)\)\s*"), 2),
    Rule("roman-paren", re.compile(rf"^\(({ROMAN})\)\s*"), 3),
    Rule("num-bracket", re.compile(r"^\[(\d{1,4})\]\s*"), 1),
    Rule("num-dot", re.compile(r"^(\d{1,4})\.(?!\d)\s*"), 1),
    Rule("num-close", re.compile(r"^(\d{1,3})\)\s+"), 1, alone=False),
    Rule("alpha-dot", re.compile(r"^([a-z])\.\s+"), 2, capital=True, alone=False),
    Rule("alpha-dot", re.compile(r"^([a-z])\)\s+"), 2, alone=False),
    Rule("roman-dot", re.compile(rf"^({ROMAN})\.\s+"), 3, capital=True, alone=False),
    Rule("roman-dot", re.compile(rf"^({ROMAN})\)\s+"), 3, alone=False),
    # typewriter-era UN notes: "1/ Official Records of the General Assembly …"
    Rule("note-slash", re.compile(r"^(\d{1,2})/(?=\s)\s*"), 1, alone=False, kind="note"),
]
# fmt: on

BULLET_RE = re.compile(r"^[-–•·○▪●◦■□➢►✓]\s*")
# A section heading's label: "I. Background", "B. National framework".
SECTION_RE = re.compile(r"^((?:[IVXLC]{1,6})|[A-Z])\.\s+(\S.*)$")

# A line that opens with a label, for readers deciding where a block breaks: the label, then a space
# or the end of the line. Looser than `parse` (no capital needed): a reader only asks "could a new
# item start here", the segmenter decides.
START_RE = re.compile(
    r"^\s*(?:\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[.)](?:\s*,\s*\d{1,3}\.)*|\(\d{1,3}\)|\([a-z]{1,4}\)|\(?[a-z]{1,2}\)|\[\d{1,4}\]"
    r"|\d{1,3}/\d{1,4}\.)(?=\s|$)"
)
# A text that is nothing but a label (a hanging number set apart, a table cell holding the number).
ONLY_RE = re.compile(
    r"^\s*(?:\[\d{1,4}\]|\d{1,3}(?:\.\d{1,3})*\.|\([A-Za-z0-9]{1,4}\)|[A-Za-z0-9]{1,4}\)|[a-z]\."
    rf"|{ROMAN}\.|\d{{1,3}}\.(?:\s*,\s*\d{{1,3}}\.)+)\s*$"
)
BARE_NUMBER_RE = re.compile(r"^\s*\d{1,3}\s*$")
# "iv. The right …", "a. Do not …": a dotted letter or roman label, told from "Mornah v. Benin" by the capital
DOT_ITEM_RE = re.compile(rf"^(?:{ROMAN}|[a-z])\.\s+[A-Z“\"]")


NUMBER_THEN_WORD_RE = re.compile(r"\d{1,4}\s+[^\W\d]")  # "60. 2017 saw …": a year, then words
CAPITALS_RE = re.compile(r"\s*[A-Z]{2,}")
DASH_BULLET_RE = re.compile(r"^\s*[-•·–]\s")

def _group_value(printed: str) -> str:
    """ "5., 6., 7." → "5-7"; a group that skips ("5., 7.") keeps its members: "5,7"."""
    nums = [int(n) for n in re.findall(r"\d{1,3}", printed)]
    if nums == list(range(nums[0], nums[0] + len(nums))):
        return f"{nums[0]}-{nums[-1]}"
    return ",".join(str(n) for n in nums)


def parse(text: str, kinds: tuple[str, ...] = ("item",)) -> Label | None:
    """The label a text opens with, by the first rule of the table that fits."""
    first = text[:1]
    if not (first.isdecimal() or ("a" <= first <= "z" or first in "([") and first):
        return None  # every rule's label opens with a digit (re's \d), ( [ or a-z: most texts do not
    for rule in RULES:
        if rule.kind not in kinds:
            continue
        m = rule.pattern.match(text)
        if not m or not m.group(1):
            continue
        rest = text[m.end() :]
        value = m.group(1)
        if rule.style == "num-dot" and rest[:1].isdigit() and not NUMBER_THEN_WORD_RE.match(rest):
            continue  # "1. 5" is a number, "60. 2017 saw the entry into force" a paragraph
        if rule.style == "num-bracket" and 1800 <= int(value) <= 2099 and CAPITALS_RE.match(rest):
            continue  # "[2013] ZACC 15": a neutral citation's year
        if rule.style == "legal":
            if rest and not (rest[:1].isupper() or rest[:1] in "“\"‘'(" ):
                continue  # "3.5 per cent of …"
            rank = value.count(".") + 1
        else:
            rank = rule.rank
        if rule.capital and rest and not (rest[:1].isupper() or rest[:1] in "“\"‘'"):
            continue
        if not rest.strip() and not rule.alone:
            continue
        if rule.style == "num-group":
            value = _group_value(value)
        return Label(rule.style, value, rest, rank, rule.kind)
    return None


def parse_label(text: str) -> tuple[str, str, str] | None:
    """(style, value, rest) when the text starts with a paragraph or list label."""
    lab = parse(text)
    return (lab.style, lab.value, lab.rest) if lab else None


def starts_item(line: str, bullets: bool = True) -> bool:
    """Could a new item start at this line? A label (or a bullet) then a space."""
    return bool(START_RE.match(line)) or (bullets and bool(DASH_BULLET_RE.match(line)))


def label_only(text: str, bare: bool = False) -> bool:
    """Is the text nothing but a label? `bare` lets a bare number count (a table cell "1"); a bare
    number on a PDF line is as likely a page number."""
    return bool(ONLY_RE.match(text)) or (bare and bool(BARE_NUMBER_RE.match(text)))


def is_roman(value: str) -> bool:
    return bool(value) and bool(ROMAN_RE.match(value))
