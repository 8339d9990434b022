"""Spanish-aware search, with the same results in the same order on SQLite and
PostgreSQL: the database stores each record's analyzed text, and matching and ranking
happen in memory.

The layers, each importing only those before it:

    analyzer    text → terms: casefold, strip accents, drop stop words, Spanish stems
    vocabulary  the indexed words (typos, "did you mean"), the editors' synonyms, and the
                Lexicon that holds them in memory for parsing queries
    postings    many texts → {term: bitmap of records}, with numpy
    index       one kind of record's text index: matching and ranking a parsed query
    engine      one snapshot of every index per revision of the knowledge base
    query       a reader's words → concepts (prefixes, synonyms, acronyms, typos)
    searchable  the model mixin that keeps a record's analyzed text, and the queryset
                methods `search(query)` and `ranked()`

`highlight` marks matched words in displayed text.
"""
