"""Text into terms, the same way for records and for queries: casefold, strip accents
("niños" → "ninos"), drop stop words, Spanish Snowball stems ("ninos", "ninas" → "nin").
The records' English text is stemmed as English ("workers" → "worker"), and a query's
words are read both ways (core/search/query.py).

Stop words are Spanish and English function words: articles, prepositions, conjunctions,
pronouns, question words and auxiliaries, so that a question ("¿qué apoyos hay para …?",
"how can I …") leaves only the words that say what it is about. Content words that look
like function words stay: "estado" (the Mexican State), "estados" (Estados Unidos).

Snowball joins some unrelated words under one stem; `STEM_EXCEPTIONS` parts them (sport
from deportation; food from the verbs whose stem is "com"). Acronyms are terms as they
are, never stemmed (`acronym_term`): "COMAR" must not become "com".
"""

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

SPANISH_STOP_WORDS = """
a al ante bajo cabe con contra de del desde durante e el en entre hacia hasta la las le les
lo los mediante o para por segun sin so sobre tras u un una unas uno unos y ya ni pero
sino mas aunque porque pues que si como cuando donde mientras cual cuales cualquier quien
quienes cuyo cuya cuyos cuyas cuanto cuanta cuantos cuantas yo tu ella ello ellos ellas
nosotros nosotras vosotros vosotras usted ustedes me te se nos os mi mis tus su sus nuestro
nuestra nuestros nuestras vuestro vuestra vuestros vuestras este esta estos estas ese esa
esos esas aquel aquella aquellos aquellas esto eso aquello mio mia mios mias tuyo tuya suyo
suya suyos suyas es son ser sera seran era eran fue fueron sido siendo soy eres somos estar
estan estaba estaban estuvo estoy hay haber ha han he has hemos habia habian hubo tener
tiene tienen tenia tengo tenemos puede pueden puedo podemos poder podria debe deben debo
hacer hace hacen hago muy menos tambien tan tanto no todo toda todos todas otro otra otros
otras mismo misma mismos mismas cada ambos algo alguien nada nadie algun alguno alguna
algunos algunas ningun ninguno ninguna
"""
ENGLISH_STOP_WORDS = """
a an the of and or nor but for to in on at by with from into onto about as than then so if
is are was were be been being am do does did doing have has had having how what which who
whom whose when where why can could should would will shall must might i me my mine we our
ours you your yours he him his she her hers it its they them their theirs this that these
those there here any some all no not such very too also just only own same other each both
there get got
"""
STOP_WORDS = frozenset((SPANISH_STOP_WORDS + ENGLISH_STOP_WORDS).split())

# Words Snowball would join to unrelated ones, with the term each gets instead: one that no
# colliding word's term starts with, since terms also match as prefixes.
STEM_EXCEPTIONS = {
    # Sport, not deportation ("deportados", "deportación" keep "deport").
    **dict.fromkeys(
        ["deporte", "deportes", "deportista", "deportistas", "deportivo", "deportivos"],
        "sport",
    ),
    **dict.fromkeys(["deportiva", "deportivas"], "sport"),
    # Food ("Consejo por Comida Justa"), not "comer", "comar", "como".
    **dict.fromkeys(["comida", "comidas"], "comid"),
}

_stemmer = snowballstemmer.stemmer("spanish")
_english_stemmer = snowballstemmer.stemmer("english")
# The stemmer keeps the word it works on in itself, and gunicorn serves requests in threads.
_stemmer_lock = threading.Lock()
_WORD = re.compile(r"[a-z0-9]+")


def normalize(text):
    """Casefolded, without accents or diacritics: "Niños" → "ninos"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=100_000)
def stem(word):
    """The term of a normalized word: its Spanish stem; numbers and short words stay
    whole."""
    if word in STEM_EXCEPTIONS:
        return STEM_EXCEPTIONS[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    with _stemmer_lock:
        return _stemmer.stemWord(word)


# The same for English: regularization (of a migrant's status) is not regular migration.
ENGLISH_STEM_EXCEPTIONS = dict.fromkeys(
    [
        "regularization", "regularizations", "regularisation", "regularisations",
        "regularize", "regularized", "regularizing", "regularise", "regularised",
    ],
    "regulariz",
)  # fmt: skip


@lru_cache(maxsize=100_000)
def english_stem(word):
    """The term of a normalized English word: its English (Porter 2) stem ("workers" →
    "worker"), for the records' English text and the English reading of a query."""
    if word in ENGLISH_STEM_EXCEPTIONS:
        return ENGLISH_STEM_EXCEPTIONS[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    with _stemmer_lock:
        return _english_stemmer.stemWord(word)


def words(text):
    """The normalized words of `text`, stop words left out."""
    return [word for word in _WORD.findall(normalize(text)) if word not in STOP_WORDS]


def is_stop_word(word):
    return normalize(word) in STOP_WORDS


def analyze(text):
    """The terms of `text`, space-separated, as stored and matched."""
    return " ".join(stem(word) for word in words(text))


# English terms are marked, so that only a query read as English matches a record's English
# text: a Spanish query, and the editors' synonyms, match its Spanish as they always did.
ENGLISH_MARK = "en_"


def english_term(word):
    """The term of a normalized English word: marked, and stemmed as English."""
    return ENGLISH_MARK + english_stem(word)


def analyze_english(text):
    """The terms of English `text`: its words' marked English stems."""
    return " ".join(english_term(word) for word in words(text))


def acronym_term(acronym):
    """An acronym's term: normalized, whole ("PTAT" → "ptat"), stop word or not."""
    return "".join(_WORD.findall(normalize(acronym)))


def edit_distance(first, second, limit=2):
    """Optimal string alignment distance (a swap of two letters counts as one typo),
    stopping early once it exceeds `limit`."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i]
        for j, b in enumerate(second, 1):
            cost = 0 if a == b else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                value = min(value, previous2[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
