"""Setting phrases, corpus names and metric ids from the rule files, compiled for the extractor.

`current()` returns the `RuleWords` for the rules in effect: the `text_words` of every setting
and the `text_negation` of rules/settings.toml, the `text` spellings of rules/corpora.toml
(matched with `rules.corpora.text_pattern`, named with `rules.corpora.from_text`), and the
metric ids of rules/metrics.toml (a claim is emitted only with a metric the rules know).

Rule edits.  The compiled form is cached on the rule data itself (like `rules.settings`): an
edited file gives new data, hence a new compile.  Asking the rules package costs a path
lookup and a stat per file, more than extracting an abstract, so it is asked at most once
every RECHECK_SECONDS: a running daemon sees an edit within that time, without restart
(``current(max_age=0)`` asks at once).

Speed.  One alternation of every setting phrase or corpus name, searched over whole
sentences, would cost more than the rest of the extractor together (most phrases start with a
character class, and ``re`` tries them at every position).  So each phrase is found through its
*trigger*, its longest plain word outside brackets and groups: the triggers join the
extractor's own keywords in ONE keyword scan (`cue_scan`, see `ingest.extract.cues`), and only
the text around a hit is read, with a few anchored matches from the word (or number) starts
before it.  A phrase starts at a word start; one without a trigger is searched over the whole
span (correct, only slower).  A corpus spelling is found through its *head* (see `head`), all
heads in one trie search (`WordFinder`), and only in the spans where extra data is looked for;
the sentence before a number, which is not indexed, has its triggers found the same way.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache

import rules.corpora
from rules.files import load

from .cues import KEYWORDS, KeywordScan, trie_regex


RECHECK_SECONDS = 1.0
_CAPITAL_RE = re.compile(r"(?<!\\)[A-Z]")  # a capital letter that is no escape (\S, \W)
PHRASE_BEFORE, PHRASE_AFTER = 40, 180  # a setting phrase lies within this much text around its trigger
NAME_BEFORE, NAME_AFTER = 24, 48  # a corpus spelling, around its head
MAX_HITS = 200  # word-start occurrences of one trigger or head read per span, at most (hostile input)


class WordFinder:
    """Every occurrence of a set of words at a word start in a span, in one scan: the words'
    trie after the character before the word (a pattern starting with a character set,
    [^a-z0-9], is one ``re`` skips ahead to in C), searched again from each hit (hits may
    overlap: "5b" inside "2.5b"), gives the longest word starting there; the others found
    there are its prefixes ("laion" of "laion2b").  `first` reads a word at offset 0."""

    __slots__ = ("scan", "first", "prefixes", "longest")

    def __init__(self, words):
        words = sorted(words)
        trie = trie_regex(words) if words else "(?!)"
        self.scan = re.compile("[^a-z0-9](" + trie + ")")
        self.first = re.compile("(" + trie + ")")
        self.prefixes = {w: tuple(p for p in words if w.startswith(p)) for w in words}  # sorted, as hits are
        self.longest = max(map(len, words), default=1)


class RuleWords:
    """Compiled rule words (see the module doc); `cues` reads them in a span of an abstract."""

    __slots__ = ("cue_scan", "whole", "triggers", "untriggered", "negation", "corpus_re", "heads",
                 "corpus_words", "corpus_starts", "metrics", "trigger_finder", "head_finder")

    def __init__(self, cue_scan, whole, triggers, untriggered, negation, corpus_re, heads, corpus_words, metrics):
        self.cue_scan = cue_scan  # the extractor's own keywords and the triggers: one scan
        self.whole = whole  # triggers and heads that count only as whole words (not "with" for "wit")
        self.triggers = triggers  # trigger -> [(pattern, setting, where it starts: "trigger" | "digit" | "word", probe)]
        self.untriggered = untriggered  # [(pattern, setting)] without a trigger
        self.negation = negation  # pattern matched against the text before a phrase, or None
        self.corpus_re = corpus_re
        self.heads = heads
        self.corpus_words = corpus_words  # lower-case spellings (a model-name token is never one)
        self.corpus_starts = _starts_re(corpus_words)  # the word starts a spelling may begin at
        self.metrics = metrics  # metric ids of rules/metrics.toml
        self.trigger_finder = WordFinder(self.triggers)  # the triggers and the heads, each in one pattern
        self.head_finder = WordFinder(heads)

    def cues(self, text: str, low: str, a: int, b: int, hits: list[tuple[int, str]]) -> list[tuple]:
        """Cues (start, end, "set", setting) of the setting phrases in text[a:b], in order, read
        around `hits`, the (offset, trigger) that `cue_scan` found in [a, b)."""
        phrases: dict[tuple, str] = {}
        for pattern, setting in self.untriggered:
            for m in pattern.finditer(low, a, b):
                phrases.setdefault(m.span(), setting)
        for s, w in hits:
            for pattern, setting, lead, probe in self.triggers[w]:
                if lead == "trigger":  # the phrase starts with its trigger: one anchored match
                    m = pattern.match(low, s, min(b, s + PHRASE_AFTER))
                elif probe is not None and probe.search(low, max(a, s - PHRASE_BEFORE), min(b, s + PHRASE_AFTER)) is None:
                    continue  # no match anywhere around the trigger (the common case)
                else:
                    m = _covering(pattern, low, max(a, s - PHRASE_BEFORE), s, min(b, s + PHRASE_AFTER), low,
                                  lead == "digit")
                if m is not None:
                    phrases.setdefault(m.span(), setting)
        if not phrases:
            return []
        out, end = [], -1
        for (s, e), setting in sorted(phrases.items(), key=lambda p: (p[0][0], -p[0][1])):
            if s >= end and not (self.negation and self.negation.search(low, max(a, s - 40), s)):
                out.append((s, e, "set", setting))
                end = e
        return out

    def head_hits(self, low: str, a: int, b: int) -> list[tuple[int, str]]:
        """(offset, head) of every corpus head at a word start in low[a:b], sorted.  Read per
        span, not per abstract: the spans asked about (a claim's clause, the text after a
        model's name) are a few percent of the abstract."""
        return self._word_hits(self.head_finder, low, a, b, past_b=True)

    def _word_hits(self, finder: WordFinder, low: str, a: int, b: int, past_b: bool = False) -> list[tuple[int, str]]:
        """(offset, word) of every word of `finder` at a word start in low[a:b] (a whole word
        where `whole` says so), sorted; at most MAX_HITS occurrences of one word (hostile
        input).  With `past_b`, a word starting before b may end after it."""
        hits: list[tuple[int, str]] = []
        whole, counts = self.whole, {}
        end = min(len(low), b + finder.longest - 1) if past_b else b
        search = finder.scan.search
        m = finder.first.match(low, 0, end) if not a else None  # (offset 0 has no character before it)
        if m is None:
            m = search(low, a - 1 if a else 0, end)
        while m is not None and m.start(1) < b:
            i = m.start(1)
            for w in finder.prefixes[m.group(1)]:  # every word found at i: the longest and its prefixes
                seen = counts.get(w, 0)
                if seen >= MAX_HITS:
                    continue
                counts[w] = seen + 1
                if not (i and low[i - 1].isalnum()) and not (w in whole and low[i + len(w):i + len(w) + 1].isalpha()):
                    hits.append((i, w))
            m = search(low, i, end)  # (from the hit, not the match's end: "5b" in "2.5b")
        return hits

    def corpus_in(self, text: str, low: str, a: int, b: int, hits: list[tuple[int, str]]) -> str | None:
        """The first corpus named in text[a:b], read around `hits`, the head hits in [a, b)."""
        for i, _ in hits:
            m = _covering(self.corpus_re, text, max(a, i - NAME_BEFORE), i, b, low, starts=self.corpus_starts)
            name = rules.corpora.from_text(m.group()) if m is not None else None
            if name:
                return name
        return None

    def setting_cues(self, text: str, low: str, a: int, b: int) -> list[tuple]:
        """The setting phrases of text[a:b] alone (a sentence the extractor does not index):
        its triggers found by `trigger_finder`, cheaper there than the whole keyword scan."""
        hits = self._word_hits(self.trigger_finder, low, a, b)
        return self.cues(text, low, a, b, hits) if hits or self.untriggered else []


def _covering(pattern: re.Pattern, text: str, a: int, s: int, b: int, low: str | None = None, digits: bool = False,
              starts: re.Pattern = None):
    """The longest match of `pattern` in text[a:b] that starts at a word start (with `digits`,
    at the start of a number) in [a, s] and covers offset s: anchored matches tried from the
    farthest start on (a few ``match`` calls instead of a search, which would try every
    position).  `starts` narrows the word starts (`_starts_re`)."""
    if digits:
        starts = _NUMBER_START_RE.finditer(text if low is None else low, a, s + 1)
    else:
        starts = (starts or _WORD_START_RE).finditer(text if low is None else low, a - 1 if a else 0, s + 1)
    for w in starts:
        m = pattern.match(text, w.end() - 1 if not digits else w.start(), b)
        if m is not None and m.end() > s:
            return m
    return None


# A number start is a digit after no digit, "." or ",": the digit first, so that ``re`` skips
# to digits in C, and the look-behind after it.
_NUMBER_START_RE = re.compile(r"[0-9](?<![0-9.,][0-9])")
_WORD_START_RE = re.compile(r"(?:^|[^a-z0-9])[a-z0-9]")


def _starts_re(spellings: frozenset) -> re.Pattern:
    """_WORD_START_RE narrowed to the first characters of `spellings` (lower case), where a
    case-insensitive pattern of them can start (a word start's character is a lower-case letter
    or a digit, and matches a pattern's first letter only as itself); _WORD_START_RE itself when
    a spelling starts otherwise.  Corpus names are tried at every word start before a head, each
    try one long case-insensitive alternation: most word starts are ruled out here, in C."""
    firsts = {w[:1] for w in spellings}
    if not firsts or not all(c.isascii() and c.isalnum() for c in firsts):
        return _WORD_START_RE
    return re.compile("(?:^|[^a-z0-9])[" + "".join(sorted(firsts)) + "]")


def current(max_age: float = RECHECK_SECONDS) -> RuleWords:
    """The rule words in effect (asking the rules package at most every `max_age` seconds)."""
    global _memo
    now = time.monotonic()
    memo = _memo
    if memo is not None and now - memo[0] < max_age:
        return memo[4]
    settings, corpora, metrics = load("settings"), load("corpora"), load("metrics")
    if memo is not None and memo[1] is settings and memo[2] is corpora and memo[3] is metrics:
        words = memo[4]  # the parses are cached by the rules package: unchanged files, same objects
    else:
        phrases = tuple((name, tuple(conf.get("text_words", ()))) for name, conf in settings["settings"].items())
        corpus_text = tuple((name, tuple(conf.get("text", ()))) for name, conf in corpora.items()
                            if isinstance(conf, dict))
        words = _compile(phrases, settings.get("text_negation"), corpus_text, tuple(sorted(metrics["metrics"])))
    _memo = (now, settings, corpora, metrics, words)
    return words


_memo: tuple | None = None


@lru_cache(maxsize=8)
def _compile(phrases: tuple, negation: str | None, corpus_text: tuple, metrics: tuple) -> RuleWords:
    spellings = sorted({s for _, texts in corpus_text for s in texts})
    triggers: dict[str, list] = {}
    untriggered, prefixes = [], set()
    for setting, words in phrases:
        for word in words:
            pattern = re.compile(word, re.I if _CAPITAL_RE.search(word) else 0)  # (run on lower-cased text)
            key, is_whole = trigger(word)
            if key:
                lead = ("trigger" if word.startswith(key) else
                        "digit" if word.startswith(("\\d", "\\b\\d", "[0-9]", "\\b[0-9]")) else "word")
                probe = None if lead == "trigger" else _probe(word, pattern.flags)
                triggers.setdefault(key, []).append((pattern, setting, lead, probe))
                if not is_whole:
                    prefixes.add(key)  # a prefix for one phrase is a prefix for all
            else:
                untriggered.append((pattern, setting))
    whole = set(triggers) - prefixes
    heads = {head(s) for s in spellings} - {""}
    return RuleWords(KeywordScan(set(KEYWORDS) | set(triggers), frozenset(triggers), frozenset(whole)), frozenset(whole | (heads - set(triggers))), {k: tuple(v) for k, v in triggers.items()},
                     tuple(untriggered),
                     re.compile(f"(?:{negation})$", re.I) if negation else None, rules.corpora.text_pattern(),
                     frozenset(heads), frozenset(s.lower() for s in spellings), frozenset(metrics))


def _probe(word: str, flags: int) -> re.Pattern | None:
    """A pattern that matches wherever phrase `word` does, and that ``re`` searches fast: one
    search around a trigger rules the phrase out before `_covering` tries it at each word start.
    ``re`` skips ahead in C only to a leading literal or single character class, so a leading
    ``\\b`` is dropped and a leading ``\\d+`` spelled ``\\d\\d*`` (the same matches).  None when the
    phrase starts otherwise (a group, an optional letter): its search would try every offset."""
    body = word[2:] if word.startswith("\\b") else word
    if body.startswith("\\d+"):
        body = "\\d\\d*" + body[3:]
    fast = body.startswith("\\d") or (body[:1].isascii() and body[:1].islower() and body[1:2] not in ("?", "*", "{"))
    return re.compile(body, flags) if fast else None


def head(spelling: str) -> str:
    """The word a corpus spelling is found by: its first run of letters and digits that has
    both ("JFT-300M" -> "300m", "IN-22K" -> "22k"), else its first run of three characters or
    more ("WebLI" -> "webli", "ALIGN dataset" -> "align"), else its longest run."""
    runs = re.findall(r"[a-z0-9.]+", spelling.lower())
    for run in runs:
        if any(c.isdigit() for c in run) and any(c.isalpha() for c in run):
            return run
    for run in runs:
        if len(run) >= 3:
            return run
    return max(runs, key=len) if runs else ""


def trigger(pattern: str) -> tuple[str, bool]:
    """The longest run of plain lower-case letters that every match of `pattern` contains
    (letters outside groups and character classes, not made optional by a quantifier), and
    whether it is a whole word there (followed by white space, a word boundary, a class
    starting with a hyphen or space, or the end): ("", False) when there is none (a top-level
    "|", or only groups and classes)."""
    runs, run, depth, i, n = [], "", 0, 0, len(pattern)

    def close(at: int) -> None:
        rest = pattern[at:]
        runs.append((run, not rest or rest.startswith(("\\s", "\\b", " ", "[-", "[ "))))

    while i < n:
        c = pattern[i]
        nxt = pattern[i + 1] if i + 1 < n else ""
        if c == "\\":  # an escape (\s, \b, \.): no plain letter
            close(i)
            run, i = "", i + 2
            continue
        if c == "[":  # a class: skip to its end
            close(i)
            run, j = "", pattern.find("]", i + 2)
            i = n if j < 0 else j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return "", False
        if depth == 0 and c.isalpha() and c.islower():
            if nxt in ("?", "*") or (nxt == "{" and pattern[i + 2:i + 3] == "0"):
                close(i)  # an optional letter ends the run (and it is no whole word)
                runs[-1] = (runs[-1][0], False)
                run = ""
            else:
                run += c
        else:
            close(i)
            run = ""
        i += 1
    close(n)
    best = max(runs, key=lambda r: len(r[0]))
    return best if best[0] else ("", False)
