"""A command Whisper nearly wrote, taken when what it wrote is no command.

Whisper's beam search ends with several hypotheses. On a short command the best one sometimes
holds one misheard word while another, scored nearly as well, is the command itself ("To not
a Standing Light." beside "Turn off the Standing Light."; "Is the Front Door Lock?" beside
"... Locked?"; "Turn on the lights in the mirror room." beside "... in the bedroom."). The best
hypothesis is kept unless
- finished (near-miss names snapped, a misheard first word snapped) it is not a phrase of the
  command grammar, and
- another hypothesis, within MARGIN of its score (average log-probability per token), is a
  phrase once finished the same way: the best-scored such one is taken.
A command is never exchanged for another command, a best hypothesis that is empty stays
empty, and without a grammar (another language) the best hypothesis is kept. Chosen on `bench
stt`'s tuning set (docs/stt.md): from a margin of 0.1 on, the same choices; none of the
sentences that are no commands, or name devices the house lacks, became a command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .decoding import Hypothesis

MARGIN = 0.1


def choose(
    hypotheses: Sequence[Hypothesis],
    finish: Callable[[str], str],
    is_command: Callable[[str], bool] | None,
) -> str:
    """The finished text of the best hypothesis, or of a command scored nearly as well."""
    if not hypotheses:
        return ""
    best = finish(hypotheses[0].text)
    if is_command is None or not best or is_command(best):
        return best
    floor = hypotheses[0].score - MARGIN
    for hypothesis in hypotheses[1:]:
        if hypothesis.score < floor:
            break
        text = finish(hypothesis.text)
        if is_command(text):
            return text
    return best
