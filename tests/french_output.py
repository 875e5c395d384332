"""Reading what the command line printed in French: every line must already be set in French
typography (no-break space before « : », narrow one before « ; ! ? », inside « »), and a test
then compares it with the sentence it expects, written with plain spaces."""

from __future__ import annotations

import re

from capsync.french import NBSP, typeset

_NARROW_BEFORE_MARK = re.compile("\u202f(?=[;!?])")


def plain(text: str) -> str:
    """``text`` checked typeset, its French spaces around punctuation read back as plain ones.

    Fails when a line was printed without :func:`capsync.french.typeset` (typesetting it
    again would change it), so the test sees the typography and still fails when the
    wording changes. Thousands keep their narrow no-break space (« 1 000 000 »)."""
    assert text == typeset(text), text  # typeset again changes nothing: it was typeset
    return _NARROW_BEFORE_MARK.sub(" ", text.replace(NBSP, " "))
