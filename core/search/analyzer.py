"""Text into terms, the same way for records and for queries: casefold, strip accents
("niños" → "ninos"), drop stop words, Spanish Snowball stems ("ninos", "ninas" → "nin")."""

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

STOP_WORDS = frozenset(
    [
        "a",
        "al",
        "ante",
        "con",
        "contra",
        "de",
        "del",
        "desde",
        "e",
        "el",
        "en",
        "entre",
        "hacia",
        "hasta",
        "la",
        "las",
        "le",
        "les",
        "lo",
        "los",
        "o",
        "para",
        "por",
        "que",
        "se",
        "sin",
        "sobre",
        "su",
        "sus",
        "u",
        "un",
        "una",
        "unas",
        "unos",
        "y",
        "ya",
        "como",
        "mas",
        "pero",
        "sus",
        "the",
        "of",
        "and",
        "for",
        "to",
        "in",
        "on",
    ]
)

_stemmer = snowballstemmer.stemmer("spanish")
# The stemmer keeps the word it works on in itself, and gunicorn serves requests in threads.
_stemmer_lock = threading.Lock()
_WORD = re.compile(r"[a-z0-9]+")


def normalize(text):
    """Casefolded, without accents or diacritics: "Niños" → "ninos"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=50_000)
def stem(word):
    """The Spanish stem of a normalized word; numbers and short words stay whole."""
    if len(word) <= 3 or not word.isalpha():
        return word
    with _stemmer_lock:
        return _stemmer.stemWord(word)


def words(text):
    """The normalized words of `text`, stop words left out."""
    return [word for word in _WORD.findall(normalize(text)) if word not in STOP_WORDS]


def analyze(text):
    """The terms of `text`, space-separated, as stored and matched."""
    return " ".join(stem(word) for word in words(text))
