"""A document's identity when its text does not print it: the families whose files are named by rule.

The UN General Debate Corpus (UNGDC) names each statement `ISO3_SESSION_YEAR.txt` (`MEX_73_2018.txt`)
and its 2018 texts carry no heading at all: without this rule each would be cited by a bare year. The rule
holds only when the session and the year agree (the General Assembly's session N opens in 1945 + N), so
an unrelated file named `ABC_12_2020.txt` is not taken for a speech.

Country names are the ISO 3166 names of `pycountry` written the way the UN writes them
(`Iran (Islamic Republic of)`), with the few UN short names that differ from ISO's given below.
"""

from __future__ import annotations

import re

_UNGDC = re.compile(r"^([A-Z]{2,4})_(\d{1,2})_(\d{4})\.txt$", re.I)
UN_NAMES = {  # the UN's own short names where ISO 3166 words them otherwise
    "USA": "United States of America",
    "GBR": "United Kingdom of Great Britain and Northern Ireland",
    "KOR": "Republic of Korea",
    "PRK": "Democratic People's Republic of Korea",
    "TZA": "United Republic of Tanzania",
    "MDA": "Republic of Moldova",
    "EU": "European Union",
}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def country_name(code: str) -> str:
    code = code.upper()
    if code in UN_NAMES:
        return UN_NAMES[code]
    import pycountry  # ISO 3166 names, current and historic (YUG, CSK, DDR…)

    c = pycountry.countries.get(alpha_3=code) or pycountry.historic_countries.get(alpha_3=code)
    if c is None:
        return ""
    name = c.name
    if ", " in name:  # "Iran, Islamic Republic of" -> "Iran (Islamic Republic of)"
        head, tail = name.split(", ", 1)
        name = f"{head} ({tail})"
    return name


def from_filename(name: str) -> dict:
    """Issuer, title, date and type that a file name states by a family's rule, or {}."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    m = _UNGDC.match(base)
    if not m:
        return {}
    code, session, year = m.group(1), int(m.group(2)), int(m.group(3))
    if session < 1 or 1945 + session != year:
        return {}
    country = country_name(code)
    if not country:
        return {}
    return {
        "issuer": country,
        "title": f"General Debate, {ordinal(session)} session",
        "date": str(year),
        "doctype": "speech",
    }
