"""German text as TF-IDF vectors: the actor search's folding and stop words, Snowball stems.

"Klimaschutzprojekte in Burkina Faso" and "Projekt zum Klimaschutz" share the stems
"klimaschutzprojekt"/"klimaschutz" no more than a search would, but "Projekte"/"Projekt",
"Schulen"/"Schule" become one term. Words shorter than three letters and stop words are dropped;
terms in more than MAX_DF of the documents say nothing and are dropped too.

Speed (100,000 descriptions in a few seconds): the texts are folded in one go, every distinct
word is stemmed once (`_stem` is cached), and counting, document frequencies and the TF-IDF rows
are computed with numpy on word ids, not per document in Python.
"""

from __future__ import annotations

import os
import re
import threading
from functools import lru_cache

import numpy as np
import snowballstemmer
from scipy import sparse

from knotenpunkt.actors.search import _WORD_RE, STOP_WORDS, fold, words
from knotenpunkt.lib.forked import Forked

MIN_WORD_CHARS = 3
MAX_DF = 0.5
PARALLEL_MIN_TEXTS = 20_000  # from this many texts a forked process reads half of them (two cores)
_SEPARATOR = "\x00"  # not a word character: splits the folded texts again
_SEPARATOR_ID = -2
_TOKEN_RE = re.compile(_WORD_RE.pattern + "|" + _SEPARATOR)

_local = threading.local()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("german")
    return stemmer.stemWord(word)


def terms(text: str) -> list[str]:
    """The stemmed, folded content words of `text`."""
    return [_stem(w) for w in words(text or "") if len(w) >= MIN_WORD_CHARS and w not in STOP_WORDS]


def _tokenise(texts: list[str], starts: list[int], chunk: int) -> tuple[list[str], list, list]:
    """(content words in the order met, per chunk the word ids and document numbers of its content
    words) of the chunks texts[start:start + chunk]."""
    # Every distinct folded word → id, -1 for short and stop words, _SEPARATOR_ID between texts.
    word_id: dict[str, int] = {_SEPARATOR: _SEPARATOR_ID}
    words: list[str] = []
    ids_parts, doc_parts = [], []
    # In chunks: a Python string per token of 100,000 descriptions would cost hundreds of MB.
    for start in starts:
        part = [t or "" for t in texts[start : start + chunk]]
        folded = fold(_SEPARATOR.join(part))
        if folded.count(_SEPARATOR) != len(part) - 1:  # a text contained the separator itself
            folded = _SEPARATOR.join(fold(t.replace(_SEPARATOR, " ")) for t in part)
        # One scan of the whole chunk: the words, and the separators between the documents.
        tokens = _TOKEN_RE.findall(folded)
        del folded
        for w in dict.fromkeys(tokens):
            if w not in word_id:
                if len(w) >= MIN_WORD_CHARS and w not in STOP_WORDS:
                    word_id[w] = len(words)
                    words.append(w)
                else:
                    word_id[w] = -1
        ids = np.fromiter(map(word_id.__getitem__, tokens), dtype=np.int32, count=len(tokens))
        del tokens
        doc_of = (start + np.cumsum(ids == _SEPARATOR_ID)).astype(np.int32)
        content = ids >= 0
        ids_parts.append(ids[content])
        doc_parts.append(doc_of[content])
    if len(ids_parts) > 1:  # one array each to hand over
        ids_parts, doc_parts = [np.concatenate(ids_parts)], [np.concatenate(doc_parts)]
    return words, ids_parts, doc_parts


class _Analysed:
    """The content words of many texts as ids: word_ids[ptr[d]:ptr[d + 1]] are document d's words.

    With `parallel`, a forked process tokenises the second half of the texts while this one
    tokenises the first (`finish` waits for it): the same ids as one process reading them in turn.
    Call `finish()` before reading the attributes."""

    def __init__(self, texts, chunk: int = 5000, *, parallel: bool = False):
        self._texts = texts = list(texts)
        self.docs = len(texts)
        self._chunk = chunk
        starts = list(range(0, len(texts), chunk))
        self._mine, self._child = starts, None
        if parallel and len(starts) >= 2 and hasattr(os, "fork"):
            middle = len(starts) // 2
            self._mine = starts[:middle]
            self._child = Forked(_tokenise, texts, starts[middle:], chunk, label="Die Textanalyse")

    def finish(self) -> _Analysed:
        if hasattr(self, "words"):
            return self
        try:
            words, ids_parts, doc_parts = _tokenise(self._texts, self._mine, self._chunk)
        except BaseException:
            if self._child is not None:
                self._child.cancel()  # else it would wait for a reader of its result forever
            raise
        if self._child is not None:
            child_words, child_ids, child_docs = self._child.result()  # _tokenise's parts
            # The child's words in the order it met them, after those met here: the ids reading
            # the texts in one go gives.
            word_id = {w: i for i, w in enumerate(words)}
            remap = np.array([word_id.setdefault(w, len(word_id)) for w in child_words], dtype=np.int32)
            words = list(word_id)
            ids_parts.extend(remap[part] for part in child_ids)
            doc_parts.extend(child_docs)
        self.words: list[str] = words
        # int32: millions of tokens, and the peak memory of loading 100,000 descriptions is here.
        self.word_ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int32)
        self.doc_of = np.concatenate(doc_parts) if doc_parts else np.zeros(0, dtype=np.int32)
        self.stems = [_stem(w) for w in self.words]
        return self

    def spellings(self, word_ids) -> dict[int, str]:
        """The words (ids) as written, not folded ("Bürgerschaft", "unterstützt"): looked up in the
        first text that uses each, in lower case where that text has it so (a verb at the start of
        a sentence is still a verb), the folded word where none of its tokens folds to it."""
        first = np.full(len(self.words), -1, dtype=np.int64)
        # Written back to front, so that each word keeps its earliest position.
        first[self.word_ids[::-1]] = np.arange(len(self.word_ids) - 1, -1, -1, dtype=np.int64)
        out = {}
        for w in word_ids:
            word = self.words[w]
            out[w] = word
            if first[w] < 0:
                continue
            written = [t for t in _WORD_RE.findall(self._texts[self.doc_of[first[w]]] or "") if fold(t) == word]
            if written:
                out[w] = next((t for t in written if t == t.lower()), written[0])
        return out


class Vocabulary:
    """Term → column, with each term's inverse document frequency and a readable form."""

    def __init__(self, index: dict[str, int], idf: np.ndarray, surface: dict[str, str]):
        self.index = index
        self.idf = idf
        # stem → its most frequent word, as written (not folded), for reasons ("Klimaschutz",
        # "unterstützt")
        self.surface = surface
        self.terms = [None] * len(index)
        for term, column in index.items():
            self.terms[column] = term

    def transform(self, texts) -> sparse.csr_matrix:
        """Rows of L2-normalised TF-IDF (sublinear tf) over this vocabulary; unknown terms are ignored."""
        return self._transform(_Analysed(texts).finish())

    def _transform(self, analysed: _Analysed) -> sparse.csr_matrix:
        width = max(len(self.index), 1)
        column_of_word = np.array([self.index.get(s, -1) for s in analysed.stems], dtype=np.int32)
        columns = column_of_word[analysed.word_ids] if len(analysed.word_ids) else analysed.word_ids
        known = columns >= 0
        counts = sparse.csr_matrix(
            (np.ones(int(known.sum())), (analysed.doc_of[known], columns[known])), shape=(analysed.docs, width)
        )
        counts.sum_duplicates()
        rows = np.repeat(np.arange(analysed.docs), np.diff(counts.indptr))
        cols, indptr = counts.indices.astype(np.int64), counts.indptr.astype(np.int64)
        data = (1.0 + np.log(counts.data)) * self.idf[cols] if len(cols) else np.zeros(0)
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=analysed.docs))
        norms[norms == 0] = 1.0
        data = data / norms[rows]
        return sparse.csr_matrix((data, cols, indptr), shape=(analysed.docs, width))


def fit(texts, *, max_df: float = MAX_DF) -> Vocabulary:
    """The vocabulary of `texts`: terms in at least two documents and at most `max_df` of them."""
    return _fit(_Analysed(texts).finish(), max_df=max_df)


def fit_transform(texts, *, max_df: float = MAX_DF) -> tuple[Vocabulary, sparse.csr_matrix]:
    """`fit(texts)` and the texts' rows over it, reading the texts once."""
    return start_fit_transform(texts, max_df=max_df).finish()


def start_fit_transform(texts, *, max_df: float = MAX_DF, parallel: bool | None = None) -> PendingFit:
    """`fit_transform` begun now: with `parallel` (default: from PARALLEL_MIN_TEXTS texts on) a
    forked process reads half of the texts meanwhile (`lib.forked.Forked`; the copy has only the thread that
    forked it and runs nothing but the analysis). `.finish()` returns (vocabulary, rows)."""
    texts = list(texts)
    if parallel is None:
        parallel = len(texts) >= PARALLEL_MIN_TEXTS
    return PendingFit(_Analysed(texts, parallel=parallel), max_df)


class PendingFit:
    def __init__(self, analysed: _Analysed, max_df: float):
        self._analysed = analysed
        self._max_df = max_df

    def finish(self) -> tuple[Vocabulary, sparse.csr_matrix]:
        analysed = self._analysed.finish()
        vocabulary = _fit(analysed, max_df=self._max_df)
        return vocabulary, vocabulary._transform(analysed)


def _fit(analysed: _Analysed, *, max_df: float) -> Vocabulary:
    term_id: dict[str, int] = {}
    term_of_word = np.array([term_id.setdefault(s, len(term_id)) for s in analysed.stems], dtype=np.int32)
    all_terms = list(term_id)
    n_terms = len(all_terms)
    if n_terms:
        present = sparse.csr_matrix(
            (np.ones(len(analysed.word_ids), dtype=np.int32), (analysed.doc_of, term_of_word[analysed.word_ids])),
            shape=(analysed.docs, n_terms),
        )
        present.sum_duplicates()
        df = np.bincount(present.indices, minlength=n_terms)
    else:
        df = np.zeros(0, dtype=np.int64)
    n = max(analysed.docs, 1)
    kept = sorted(t for t, i in term_id.items() if df[i] >= 2 and df[i] <= max(max_df * n, 2))
    index = {term: i for i, term in enumerate(kept)}
    idf = np.array([np.log((1 + n) / (1 + df[term_id[t]])) + 1.0 for t in kept], dtype=np.float64)
    # The readable form: the most frequent word of each term, the first seen among equals.
    word_count = np.bincount(analysed.word_ids, minlength=len(analysed.words))
    best: dict[int, int] = {}
    for word, term in enumerate(term_of_word.tolist()):
        if term not in best or word_count[word] > word_count[best[term]]:
            best[term] = word
    spelled = analysed.spellings([best[term_id[t]] for t in kept])
    surface = {t: spelled[best[term_id[t]]] for t in kept}
    return Vocabulary(index, idf, surface)


def shared_terms(vocabulary: Vocabulary, row_a: sparse.csr_matrix, row_b: sparse.csr_matrix, limit: int = 3):
    """The readable words that contribute most to the similarity of two TF-IDF rows."""
    product = row_a.multiply(row_b).tocoo()
    order = np.argsort(-product.data)[:limit]
    return [vocabulary.surface[vocabulary.terms[c]] for c in product.col[order]]
