"""Postings built with numpy: for many analyzed texts at once, {term: the positions of the
texts that hold it}, and the same for each two adjacent terms.

A Python loop over every word of 100,000 records costs tens of seconds and a large list of
integers; here each batch of texts is one byte array, and words are found, identified
and grouped by array operations, so that the work per word is done in C. A word is
identified by its length and two independent 64-bit hashes of its bytes, taken as the
sum of each byte times a power of a random odd base, so two different words would have
to collide in both to be confused; its text is read back once per distinct word.
"""

from collections import defaultdict
from itertools import islice

import numpy as np
from pyroaring import BitMap

BATCH = 2_000  # texts per batch: bounds the temporary arrays (about 8 bytes per character)
BASES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
SPACE, NEWLINE = 32, 10


def postings(rows):
    """({term: BitMap of the positions whose text holds it}, the same for each two adjacent
    terms "a b"), from (position, text) `rows`, read a batch at a time. Texts are analyzed
    text: terms separated by single spaces, no line breaks."""
    terms, pairs = defaultdict(list), defaultdict(list)
    rows = iter(rows)
    while batch := list(islice(rows, BATCH)):
        positions = np.array([position for position, _text in batch], dtype=np.uint32)
        found_both = batch_postings([text for _position, text in batch])
        for found, parts in zip(found_both, (terms, pairs), strict=True):
            for term, indexes in found.items():
                parts[term].append(BitMap(positions[indexes]))
    return tuple(
        {
            term: found[0] if len(found) == 1 else BitMap.union(*found)
            for term, found in parts.items()
        }
        for parts in (terms, pairs)
    )


def batch_postings(texts):
    """({term: indexes of the texts holding it}, the same for adjacent pairs)."""
    data = ("\n".join(texts) + "\n").encode()
    buffer = np.frombuffer(data, dtype=np.uint8)
    starts, ends = word_bounds(buffer)
    if not len(starts):
        return {}, {}
    texts_of = np.searchsorted(np.flatnonzero(buffer == NEWLINE), starts)
    words = group(data, word_keys(buffer, starts, ends), texts_of, starts, ends)
    # A pair is the span from a word's start to the next word's end, in the same text.
    same_text = texts_of[1:] == texts_of[:-1]
    starts, ends, texts_of = starts[:-1][same_text], ends[1:][same_text], texts_of[1:][same_text]
    return words, group(data, word_keys(buffer, starts, ends), texts_of, starts, ends)


def word_bounds(buffer):
    """The start and end (exclusive) of every word in `buffer`."""
    inside = (buffer != SPACE) & (buffer != NEWLINE)
    before = np.r_[False, inside[:-1]]
    after = np.r_[inside[1:], False]
    return np.flatnonzero(inside & ~before), np.flatnonzero(inside & ~after) + 1


def word_keys(buffer, starts, ends):
    """Two hashes and the length of each span of bytes: (hash, hash, length) arrays."""
    if not len(starts):
        return [np.array([], dtype=np.uint64)] * 3
    lengths = ends - starts
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]  # where each word begins among all letters
    places = np.arange(lengths.sum()) - np.repeat(offsets, lengths)  # each letter's place
    letters = buffer[np.repeat(starts, lengths) + places].astype(np.uint64)
    exponents = np.arange(1, lengths.max() + 1, dtype=np.uint64)
    keys = []
    with np.errstate(over="ignore"):
        for base in BASES:
            powers = (base**exponents)[places]
            keys.append(np.add.reduceat(letters * powers, offsets))
    return [*keys, lengths.astype(np.uint64)]


def group(data, keys, texts_of, first, last):
    """{term: the texts it is in}, from each occurrence's keys, text and byte span."""
    if not len(texts_of):
        return {}
    order = np.lexsort((texts_of, *reversed(keys)))
    keys = [key[order] for key in keys]
    texts_of, first, last = texts_of[order], first[order], last[order]
    new_word = np.r_[True, np.any([key[1:] != key[:-1] for key in keys], axis=0)]
    new_text = new_word | np.r_[True, texts_of[1:] != texts_of[:-1]]
    starts = np.flatnonzero(new_word)
    found = {}
    for begin, end in zip(starts, np.r_[starts[1:], len(order)], strict=True):
        term = data[first[begin] : last[begin]].decode()
        occurrences = slice(begin, end)
        found[term] = texts_of[occurrences][new_text[occurrences]].astype(np.uint32)
    return found
