"""An evasion corpus written for Steward, one family at a time, beside clean chat in several languages.

``python -m tests.cogs.moderation.evasion_corpus`` prints recall and false positives per family
as JSON (the figures quoted in the moderation issue's closing note).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from cogs.moderation.matcher import Engine, TextRule, build_engine

BANNED = ("idiot", "retard", "kys", "loser", "hell", "bitcoin", "scam", "airdrop", "casino", "moderator",
          "bitcoin-doubler", "free nitro", "crypto giveaway", "steam gift")

# Look-alike letters of whole scripts, as a spammer would pick them (capitals and lower case).
SCRIPTS: dict[str, dict[str, str]] = {
    "cyrillic": {"a": "а", "b": "в", "c": "с", "d": "ԁ", "e": "е", "g": "ԍ", "h": "һ", "i": "і", "j": "ј",
                 "k": "к", "l": "ӏ", "m": "м", "n": "п", "o": "о", "p": "р", "q": "ԛ", "r": "г", "s": "ѕ",
                 "t": "т", "w": "ԝ", "x": "х", "y": "у"},
    "cyrillic capitals": {"a": "А", "b": "В", "c": "С", "e": "Е", "h": "Н", "i": "І", "j": "Ј", "k": "К",
                          "m": "М", "o": "О", "p": "Р", "s": "Ѕ", "t": "Т", "x": "Х", "y": "У"},
    "greek": {"a": "α", "b": "β", "e": "ε", "i": "ι", "k": "κ", "n": "η", "o": "ο", "p": "ρ", "t": "τ",
              "u": "υ", "v": "ν", "w": "ω", "x": "χ", "y": "γ"},
    "greek capitals": {"a": "Α", "b": "Β", "e": "Ε", "h": "Η", "i": "Ι", "k": "Κ", "m": "Μ", "n": "Ν",
                       "o": "Ο", "p": "Ρ", "t": "Τ", "x": "Χ", "y": "Υ", "z": "Ζ"},
    "armenian": {"g": "ց", "h": "հ", "n": "ո", "o": "օ", "q": "զ", "u": "ս", "s": "Տ", "l": "Լ"},
    # Cherokee has no letter Unicode lists as confusable with n, o or u
    "cherokee": {"a": "Ꭺ", "b": "Ᏼ", "c": "Ꮯ", "d": "Ꭰ", "e": "Ꭼ", "g": "Ꮐ", "h": "Ꮋ", "i": "Ꭵ", "j": "Ꭻ",
                 "k": "Ꮶ", "l": "Ꮮ", "m": "Ꮇ", "p": "Ꮲ", "r": "Ꭱ", "s": "Ꮪ", "t": "Ꭲ", "v": "Ꮩ", "w": "Ꮃ",
                 "z": "Ꮓ"},
}
# Every reading of every leet digit: each entry below is a different way to write it.
LEET_READINGS = {"i": "1", "l": "1", "o": "0", "e": "3", "a": "4@", "s": "5$", "t": "7", "b": "8"}
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
ZALGO = "\u0337\u0322\u0338\u0334\u0335\u0336"

HAND_WRITTEN = {
    "whole-script look-alikes": ["іԁіот", "гетагԁ", "κуѕ", "ՏСАМ", "ᏚᏟᎪᎷ", "\u13e6\u13a9\u13da", "ВІТСОІN"],
    "leet readings": ["1053r", "h311", "817c01n", "1d107", "5c4m", "41rdr0p", "c451n0", "l0s3r", "@irdr0p"],
    "spaced then punctuation": ["s.c.a.m.", "a-i-r-d-r-o-p.", "c a s i n o!", "l.o.s.e.r?!", "k-y-s...",
                                "i d i o t !!!", "h.e.l.l,", "s c a m?"],
    "entries with hyphens or spaces": ["bitcoin-doubler", "bitcoin doubler", "bitcoindoubler",
                                       "b.i.t.c.o.i.n-d.o.u.b.l.e.r", "817c01n-d0ub13r", "f r e e n i t r o",
                                       "free-nitro!", "FREE_NITRO", "crypto   giveaway", "ѕтеам gift"],
    "other enclosed letters": ["🅲🅰🆂🅸🅽🅾", "🅒🅐🅢🅘🅝🅞", "🇸🇨🇦🇲"],
}

CLEAN = {
    "english (Scunthorpe)": [
        "class starts at nine", "please assess the proposal", "I grew up in Scunthorpe", "the cockpit was tiny",
        "shell scripts are fun", "hello everyone", "hi hello hey", "a classic passage", "cassino is a town in Italy",
        "the helium balloon", "scampi and chips", "Michelle and Hellen", "my idiotic mistake, sorry",
        "the therapist said hi", "is it 5 or 7 o'clock?", "we have 3 cats and 1 dog", "room 101 at 10:30",
        "the hill is steep", "I feel ill", "oil and soil", "kiss the sky", "keys on the table",
        "a loose screw", "the closer one", "he lost his keys", "let's bake bread at 8",
    ],
    "russian": [
        "Привет, как дела?", "Всё хорошо, спасибо!", "Это мой кот, его зовут Барсик.", "У нас сегодня рок концерт",
        "Сколько стоит билет?", "Вот там стоит мой дом", "Мама мыла раму", "Он сказал нет", "Сок или чай?",
        "Рак на горе свистнул", "Нос и рот", "Скоро весна, тепло", "Сеть работает, всё ок",
    ],
    "greek": [
        "Καλημέρα, τι κάνεις;", "Η θάλασσα είναι ζεστή σήμερα.", "Ευχαριστώ πολύ!", "Πάμε για καφέ;",
        "ΚΑΛΗΜΕΡΑ ΣΕ ΟΛΟΥΣ", "Το κινητό μου χάλασε", "Αύριο έχουμε μάθημα",
    ],
    "armenian": ["Բարև, ինչպես ես", "Շնորհակալություն", "Ես սիրում եմ Երևանը", "Հայաստան"],
    "cherokee": ["ᎣᏏᏲ", "ᏩᏙ", "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ", "ᎤᎵᎮᎵᏍᏗ"],
    "japanese": ["今日はいい天気ですね", "カジノの映画を見た", "ありがとうございます！", "明日の会議は10時からです"],
    "arabic": ["مرحبا كيف حالك", "شكرا جزيلا", "الاجتماع غدا الساعة العاشرة", "أين المحطة؟"],
    "code": ["for i in range(10): print(i)", "`git commit -m 'fix: hello'`", "x = a1 + b2 * 3",
             "SELECT * FROM users WHERE id = 1;", "if (i < 10 && l > 0) { i++; }", "chmod 755 ./run.sh",
             "h1 { color: #333; }", "sha256: 8b1c0a7e"],
    "urls": ["https://docs.python.org/3/library/re.html", "see https://example.com/hello-world",
             "https://github.com/python-discord/bot", "mail me at lee@example.org"],
}


def _sentence(word: str) -> str:
    return f"hey look {word} right now"


def whole_script(word: str) -> Iterator[str]:
    """The word in each script whose look-alikes cover all its letters."""
    letters = word.replace("-", "").replace(" ", "")
    for table in SCRIPTS.values():
        if all(c in table for c in letters):
            yield "".join(table.get(c, c) for c in word)


def leet(word: str) -> Iterator[str]:
    """Every single-letter reading, then everything leet at once (first reading and last)."""
    for i, c in enumerate(word):
        for digit in LEET_READINGS.get(c, ""):
            yield word[:i] + digit + word[i + 1:]
    for pick in (0, -1):
        yield "".join(LEET_READINGS[c][pick] if c in LEET_READINGS else c for c in word)


def spaced(word: str) -> Iterator[str]:
    """Spaced, dotted and dashed, each followed by punctuation."""
    letters = [c for c in word if c.isalnum()]
    for sep in (" ", ".", "-", ". ", " - "):
        for end in ("", ".", "!", "?!", "...", ","):
            yield sep.join(letters) + end


def zalgo(word: str) -> str:
    """Combining marks on every letter."""
    return "".join(c + ZALGO[i % len(ZALGO)] for i, c in enumerate(word))


def with_zero_width(sample: str) -> str:
    """A zero-width character after every visible one."""
    return "".join(c + ZERO_WIDTH[i % len(ZERO_WIDTH)] for i, c in enumerate(sample))


def families() -> dict[str, list[str]]:
    """The evasion corpus, family by family (each sample breaks exactly one entry of BANNED)."""
    out: dict[str, list[str]] = {name: [] for name in HAND_WRITTEN}
    for name, samples in HAND_WRITTEN.items():
        out[name].extend(samples)
    for word in BANNED:
        out["whole-script look-alikes"].extend(whole_script(word))
        out["leet readings"].extend(leet(word))
        out["spaced then punctuation"].extend(spaced(word))
        if " " in word or "-" in word:
            parts = word.replace("-", " ").split()
            joined = [" ".join(parts), "-".join(parts), "".join(parts), "_".join(parts)]
            out["entries with hyphens or spaces"] += joined + [zalgo(w) for w in joined]
            out["entries with hyphens or spaces"] += [s for w in joined for s in leet(w)]
            out["entries with hyphens or spaces"] += [".".join(c for c in w if c.isalnum()) + "." for w in joined]
    for name in list(out):
        out[name + " + zero-width"] = [with_zero_width(s) for s in out[name]]
    return {name: [_sentence(s) for s in samples] for name, samples in out.items()}


def engine() -> Engine:
    """The banned list as one rule."""
    return build_engine([TextRule(0, words=BANNED)])


def measure(matcher: Engine | None = None) -> dict[str, dict[str, float | int]]:
    """Recall per evasion family and false positives per clean language."""
    matcher = matcher or engine()
    report: dict[str, dict[str, float | int]] = {}
    for name, samples in families().items():
        caught = sum(1 for s in samples if matcher.match(s))
        report[name] = {"samples": len(samples), "caught": caught, "recall": round(caught / len(samples), 4)}
    for name, samples in CLEAN.items():
        flagged = sum(1 for s in samples if matcher.match(s))
        report["clean: " + name] = {"samples": len(samples), "false_positives": flagged}
    return report


def missed(matcher: Engine | None = None) -> list[str]:
    """Evasions the matcher lets through (what a failing test shows)."""
    matcher = matcher or engine()
    return [s for samples in families().values() for s in samples if not matcher.match(s)]


if __name__ == "__main__":
    print(json.dumps(measure(), indent=1, ensure_ascii=False))
