"""The built-in conduct filter: abuse aimed at staff, not anger at the problem.

Customers with a real problem are often angry, and many swear: "this damn
parcel is late again, what the hell". That is anger at the situation, and it
stays at ``none``. What the front line should not have to take is abuse
aimed at *them*: insults ("you are useless idiots"), slurs, and threats
("I know where you work"). Insults and slurs give ``restrict``; threats, and
wishing staff harm, give ``refuse``.

Which words are profane comes from the maintained ``better-profanity`` word
list (with its leetspeak variants). What this module adds is the *target*: a
profane or insulting word counts only when it is aimed at a person, by the
shape of the sentence around it ("you ... idiot", "screw you", "your staff
are ..."). Slurs count wherever they appear. The filter reads English; text in
other languages passes through (measured on 1,931 Portuguese reviews, see
docs/plugins.md).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING, Final, NamedTuple

from .._model import NO_VERDICT, Issue, Level, ScreenVerdict
from .._policy import Policy
from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from better_profanity import Profanity

__all__ = ["ConductFilter", "screen_text"]

#: Words that point at the listener.
_YOU: Final = frozenset({"you", "u", "ya", "ye", "yall", "youse", "yourself", "yourselves"})
_YOUR: Final = frozenset({"your", "ur", "yer"})
_POINTERS: Final = frozenset({"the", "this", "that", "these", "those", "your", "ur", "yer", "all"})
#: Nouns for the people behind the counter.
_STAFF: Final = frozenset(
    {
        "staff", "agent", "agents", "employee", "employees", "rep", "reps", "representative",
        "representatives", "support", "team", "manager", "managers", "people", "guys", "clerk",
        "clerks", "operator", "operators", "cashier", "cashiers", "worker", "workers", "folks",
        "boss", "owner", "lot", "crew", "bunch",
    }
)  # fmt: skip
#: Words that may sit between "you" and the insult: "you are such a complete ...".
_FILLERS: Final = frozenset(
    {
        "are", "is", "r", "re", "were", "was", "be", "being", "been", "all", "just", "really",
        "such", "so", "a", "an", "the", "total", "complete", "absolute", "utter", "bunch", "of",
        "pack", "piece", "lot", "fucking", "fuckin", "bloody", "damn", "damned", "freaking",
        "effing", "frigging", "truly", "certainly", "nothing", "but", "buncha", "sorry", "little",
        "big", "fat", "lazy", "guys", "people", "and", "stupid", "dumb", "worthless", "useless",
        "pathetic", "incompetent", "lying", "greedy", "thieving", "team", "staff", "dumbest",
        "stupidest",
    }
)  # fmt: skip
_COPULAS: Final = frozenset({"is", "are", "was", "were", "r"})
#: Words that open a line addressed to someone: "hey idiot", "listen you ...".
_VOCATIVES: Final = frozenset({"hey", "listen", "oi", "look", "what"})
#: Swear words that intensify a complaint rather than insult anyone.
_SITUATIONAL: Final = frozenset(
    {
        "damn", "damned", "dammit", "goddamn", "fucking", "fuckin", "freaking", "bloody", "hell",
        "effing", "frigging", "shitty", "crap", "crappy", "wtf", "omg", "god", "lord", "jesus",
        "kill", "killed", "killing", "dead", "die", "sex", "drunk", "hate",
    }
)  # fmt: skip
# The profanity list is about words, not people; these insult a person without
# being profane, so the list does not have them.
_INSULTS: Final = frozenset(
    {
        "idiot", "idiots", "moron", "morons", "imbecile", "imbeciles", "stupid", "dumb",
        "incompetent", "incompetents", "useless", "pathetic", "worthless", "clown", "clowns",
        "loser", "losers", "scum", "trash", "garbage", "liar", "liars", "thief", "thieves",
        "crook", "crooks", "fool", "fools", "dimwit", "dimwits", "halfwit", "halfwits", "cretin",
        "cretins", "parasite", "parasites", "vermin", "subhuman", "lowlife", "lowlifes",
        "brainless", "clueless", "monkeys", "animals", "pigs", "rats", "snakes", "leeches",
        "scammers", "frauds", "vultures", "parasitic", "imbecilic", "idiotic", "moronic",
        "dumbest", "stupidest",
    }
)  # fmt: skip
# Profane words that are slurs count wherever they appear, aimed or not.
_SLUR_STEMS: Final = ("nigg", "fag", "retard", "tard", "spic", "chink", "kike", "tranny",
                      "dyke", "wetback", "gook", "coon", "paki", "raghead")  # fmt: skip
# "screw you", "fuck off": an insult by its shape alone.
_CURSES: Final = frozenset({"fuck", "screw", "damn", "curse", "f", "frick", "eff", "stuff"})
_CURSED: Final = frozenset({"you", "u", "ya", "yall", "off", "yourself", "yourselves", "your"})

# Compiled when the filter is made (see _patterns and ConductFilter), not at import:
# a program that imports favorpolicy without making the filter does not pay for them.
_THREATS: Final = (
    (
        r"\bi(?: will|'ll| ll|'m going to| am going to|'m gonna| am gonna| gonna| shall| would)"
        r"(?: \w+){0,4}? (?:kill|hurt|find|beat|shoot|stab|destroy|burn|punch|strangle|murder|"
        r"smash|break|come for|come after|track|hunt|get|end) (?:you|u|ya|your|all of you|"
        r"every one of you|that agent|your staff)\b"
    ),
    (
        r"\b(?:watch your back|i know where (?:you|u) (?:live|work|sleep)|"
        r"(?:you|u)(?:'re| are| r) (?:dead|going to die|gonna die|so dead)|"
        r"(?:you|u)(?:'ll| will) (?:regret|pay for) (?:this|that|it)|"
        r"make sure (?:you|u) (?:get hurt|suffer|pay|bleed)|"
        r"see (?:you|u) (?:outside|after work|in the parking lot)|"
        r"(?:kill|shoot|stab|murder|strangle) (?:you|u|ya|all of you)\b|"
        r"(?:burn|blow up|bomb) (?:your|ur) (?:store|shop|office|warehouse|building|house))"
    ),
    (
        r"\b(?:kys|kill (?:yourself|urself|yourselves)|drop dead|die in a fire|"
        r"(?:hope|wish) (?:you|u|ya|your \w+) (?:die|dies|get hurt|burn)|go die)\b"
    ),
)
_DISMISSALS: Final = r"\b(?:go to hell|eat shit|go fuck yourself|piss off|fuck off|f off)\b"
_SENTENCE_ENDS: Final = r"[.!?;\n]+"
_WORDS: Final = r"[a-z0-9@$*!]+(?:'[a-z]+)?"


class _Patterns(NamedTuple):
    threats: tuple[re.Pattern[str], ...]
    dismissals: re.Pattern[str]
    sentence_ends: re.Pattern[str]
    words: re.Pattern[str]


@functools.cache
def _patterns() -> _Patterns:
    return _Patterns(
        tuple(re.compile(threat) for threat in _THREATS),
        re.compile(_DISMISSALS),
        re.compile(_SENTENCE_ENDS),
        re.compile(_WORDS),
    )


@functools.cache
def _profanity() -> Profanity:
    # Imported on first use: the word list is not needed to start favorpolicy.
    from better_profanity import Profanity  # noqa: PLC0415  # the word list loads when the filter is made

    checker = Profanity()
    checker.load_censor_words()
    return checker


@functools.lru_cache(maxsize=4096)
def _is_profane(word: str) -> bool:
    return bool(_profanity().contains_profanity(word))


def _is_insult(word: str) -> bool:
    if word in _INSULTS:
        return True
    return word not in _SITUATIONAL and _is_profane(word)


def _is_slur(word: str) -> bool:
    return word.startswith(_SLUR_STEMS) and _is_profane(word)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\by'?all\b", "yall", text)
    text = re.sub(r"\b(you|u|they|we)'?re\b", r"\1 are", text)
    return re.sub(r"\s+", " ", text)


def _insult_after(words: list[str], position: int) -> int | None:
    """Skip a few fillers from *position*; return where an insult is, if one comes."""
    start = position
    while position < len(words) and position - start < 6:
        if _is_insult(words[position]):
            return position
        if words[position] not in _FILLERS:
            return None
        position += 1
    return None


def _subject_end(words: list[str], start: int) -> int | None:
    """Where a phrase naming the listener or staff ends: "you", "your support team"."""
    if words[start] in _YOU:
        return start + 1
    position = start + 1
    if words[start] in _POINTERS and position < len(words) and words[position] in _STAFF:
        while position < len(words) and words[position] in _STAFF:
            position += 1
        return position
    return None


def _aimed_insult(words: list[str]) -> str | None:
    """Find an insult aimed at the listener or at staff, and return the words that show it."""
    for start, word in enumerate(words):
        following = words[start + 1] if start + 1 < len(words) else ""
        if word in _CURSES and following in _CURSED:
            return f"{word} {following}"
        if word in _VOCATIVES and (word != "what" or following in {"a", "an"}):
            # "hey idiot", "listen you dipshit", "what an idiot"
            found = _insult_after(words, start + 1 + (following in _YOU))
            if found is not None and found - start <= 3:
                return " ".join(words[start : found + 1])
        subject_end = _subject_end(words, start)
        if subject_end is not None:
            found = _insult_after(words, subject_end)
            if found is None and word not in _YOU:
                # "the agent I spoke to is a brainless idiot": look past a short clause.
                for copula in range(subject_end, min(subject_end + 5, len(words))):
                    if words[copula] in _COPULAS:
                        found = _insult_after(words, copula + 1)
                        break
            if found is not None:
                return " ".join(words[start : found + 1])
        # "your idiot agents": an insult between a pointer and a staff noun.
        if word in _POINTERS | _YOUR:
            for gap in range(start + 1, min(start + 4, len(words) - 1)):
                if _is_insult(words[gap]) and words[gap + 1] in _STAFF:
                    return " ".join(words[start : gap + 2])
    return None


def screen_text(text: str) -> ScreenVerdict:
    """Screen *text*: ``refuse`` for threats, ``restrict`` for insults and slurs, else ``none``."""
    if not text.strip():
        return NO_VERDICT
    normal = _normalise(text)
    patterns = _patterns()
    for pattern in patterns.threats:
        found = pattern.search(normal)
        if found:
            return ScreenVerdict(Level.REFUSE, f"threat aimed at staff: {found.group(0)!r}")
    words = patterns.words.findall(normal)
    # Insults are read sentence by sentence: "my stuff? You ..." is not "stuff you".
    sentences = [patterns.words.findall(part) for part in patterns.sentence_ends.split(normal)]
    slurs = [word for word in words if _is_slur(word)]
    if slurs:
        return ScreenVerdict(Level.RESTRICT, f"slur: {len(slurs)} word(s)")
    found = patterns.dismissals.search(normal)
    if found:
        return ScreenVerdict(Level.RESTRICT, f"abuse aimed at staff: {found.group(0)!r}")
    for sentence in sentences:
        insult = _aimed_insult(sentence)
        if insult is not None:
            return ScreenVerdict(Level.RESTRICT, f"insult aimed at staff: {insult!r}")
    return NO_VERDICT


class ConductFilter:
    """Screen ``Issue.conduct`` for abuse aimed at staff.

    Settings (``Policy.settings["conduct_filter"]``):

    - ``enabled`` (default false; ``Policy.default()`` turns it on).

    The word list loads, and the patterns compile, when the filter is made
    (with the plugin manager), not on the first screen: loading takes a few
    hundred milliseconds, and a screen that slow would overrun the policy's
    hook time budget, so the first ticket of a process would be decided
    without its filter.
    """

    def __init__(self) -> None:
        _profanity()
        _patterns()

    @hookimpl
    def favorpolicy_screen(self, issue: Issue, policy: Policy) -> ScreenVerdict | None:
        if not issue.conduct or not policy.settings_for("conduct_filter").get("enabled", False):
            return None
        verdict = screen_text(issue.conduct)
        return verdict if verdict.level > Level.NONE else None
