"""French typography for the text capsync writes for people: one function, used everywhere.

French puts a no-break space (U+00A0) before « : » and inside guillemets, a narrow
no-break space (U+202F) before « ; ! ? » and between a number and « % », and separates
thousands (« 3 804 »).
Without them, spreadsheets and PDFs break a line between a word and its colon,
and every message reads as translated. :func:`typeset` is applied to the
sentences capsync composes — never to text a person typed in their own grid,
which is kept exactly as typed (a justification, an action, a file name).
"""

from __future__ import annotations

import re
from functools import lru_cache

NBSP = "\u00a0"
NNBSP = "\u202f"
_BEFORE_COLON = re.compile(r"[ \u00a0\u202f]*(?<=[ \u00a0\u202f]):(?=\s|$)")
_BEFORE_HIGH = re.compile(r"[ \u00a0\u202f]+([;!?])")
_OPEN_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE_QUOTE = re.compile(r"[ \u00a0\u202f]*»")
_BEFORE_PERCENT = re.compile(r"(?<=\d)[ \u00a0]%")
_PLAIN_SPACE_BEFORE = re.compile(r" [:;!?»]|« |(?<=\d) %")
_MARKS = re.compile(r"[:;!?«»%]")  # a text without any is left as it is, at once


def typeset(text: str) -> str:
    """``text`` with French spacing: « a : b ; c ? « d » » → no-break spaces where due.

    Only spaces already there become no-break spaces (and guillemets always get
    theirs): « 15:30 », « https://… » and « ?! » in a URL are left alone.
    A short text is remembered: every grid and dashboard sets the same référentiel
    titles and explanations, four substitutions each, a tenth of building a grid's
    spec. A long one (a message quoting what someone typed) is not, so that the
    memory a long-running daemon keeps for this stays small.
    """
    return _remembered(text) if len(text) <= REMEMBERED_UP_TO else _typeset(text)


REMEMBERED_UP_TO = 2_000  # characters; texts longer are not kept by the caches of layouts


def _typeset(text: str) -> str:
    if not _MARKS.search(text):  # most texts of a dashboard: one search, not four
        return text
    text = _BEFORE_COLON.sub(NBSP + ":", text)
    text = _BEFORE_HIGH.sub(NNBSP + r"\1", text)
    text = _OPEN_QUOTE.sub("«" + NBSP, text)
    text = _BEFORE_PERCENT.sub(NNBSP + "%", text)
    return _CLOSE_QUOTE.sub(NBSP + "»", text)


_remembered = lru_cache(maxsize=8_192)(_typeset)


def percent(share: float) -> str:
    """« 45 % »: a share (0.45) as a whole percentage, the sign after a narrow no-break space."""
    return f"{round(share * 100)}{NNBSP}%"


PERCENT_FORMAT = f'0"{NNBSP}"%'
"""The spreadsheet number format of a share: « 45 % », as :func:`percent` writes it."""


def thousands(value: int) -> str:
    """« 3 804 »: an integer with its thousands separated by a narrow no-break space."""
    return f"{value:,}".replace(",", NNBSP)


_VOWEL_START = re.compile(r"[aeiouyàâäéèêëîïôöùûüœæ]", re.IGNORECASE)
_ARTICLE = {"le": "du", "les": "des"}


def de(name: str) -> str:
    """« de » before a name, as French writes it: « d'Intérim Solidaire », « du Relais »
    (Le Relais), « des Jardins » (Les Jardins), « de Recyclerie ».

    A name starting with « h » keeps « de »: whether its h is mute cannot be told.
    """
    first, _, rest = name.partition(" ")
    article = _ARTICLE.get(first.lower())
    if article and rest:
        return f"{article} {rest}"
    if _VOWEL_START.match(name):
        return f"d'{name}"
    return f"de {name}"


def counted(n: int, singular: str, plural: str = "") -> str:
    """« 0 critère », « 1 structure », « 3 804 structures »: French takes the singular for 0
    and 1; the plural is the singular with an « s » unless given."""
    return f"{thousands(n)} {singular if n <= 1 else plural or singular + 's'}"


def heading_for(n: int, singular: str, plural: str, feminine: str = "") -> str:
    """« Trois priorités », « Une priorité », « Priorités » (none): a heading that counts
    what follows it, up to three; ``feminine`` is "e" for « Une »."""
    if n == 0:
        return plural[0].upper() + plural[1:]
    word = {1: f"Un{feminine}", 2: "Deux", 3: "Trois"}.get(n, str(n))
    return f"{word} {singular if n == 1 else plural}"


def typography_faults(text: str) -> list[str]:
    """The places where ``text`` has a plain space before « : ; ! ? », inside guillemets or
    between a number and « % » (what the typography test looks for in every output)."""
    return [text[max(0, m.start() - 20) : m.end() + 20] for m in _PLAIN_SPACE_BEFORE.finditer(text)]
