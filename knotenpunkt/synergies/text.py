"""German text as TF-IDF vectors: the actor search's folding and stop words, Snowball stems.

"Klimaschutzprojekte in Burkina Faso" and "Projekt zum Klimaschutz" share the stems
"klimaschutzprojekt"/"klimaschutz" no more than a search would, but "Projekte"/"Projekt",
"Schulen"/"Schule" become one term. Words shorter than three letters and stop words are dropped;
terms in more than MAX_DF of the documents say nothing and are dropped too.
"""

from __future__ import annotations

import threading
from collections import Counter

import numpy as np
import snowballstemmer
from scipy import sparse

from knotenpunkt.actors.search import STOP_WORDS, words

MIN_WORD_CHARS = 3
MAX_DF = 0.5

_local = threading.local()


def _stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("german")
    return stemmer.stemWord(word)


def terms(text: str) -> list[str]:
    """The stemmed, folded content words of `text`."""
    return [_stem(w) for w in words(text or "") if len(w) >= MIN_WORD_CHARS and w not in STOP_WORDS]


class Vocabulary:
    """Term → column, with each term's inverse document frequency and a readable form."""

    def __init__(self, index: dict[str, int], idf: np.ndarray, surface: dict[str, str]):
        self.index = index
        self.idf = idf
        self.surface = surface  # stem → the most frequent original word, for reasons ("Klimaschutz")
        self.terms = [None] * len(index)
        for term, column in index.items():
            self.terms[column] = term

    def transform(self, texts) -> sparse.csr_matrix:
        """Rows of L2-normalised TF-IDF (sublinear tf) over this vocabulary; unknown terms are ignored."""
        indptr, indices, data = [0], [], []
        for text in texts:
            counts = Counter(t for t in terms(text) if t in self.index)
            for term, count in counts.items():
                indices.append(self.index[term])
                data.append((1.0 + np.log(count)) * self.idf[self.index[term]])
            indptr.append(len(indices))
        matrix = sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(indptr) - 1, max(len(self.index), 1)),
        )
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def fit(texts, *, max_df: float = MAX_DF) -> Vocabulary:
    """The vocabulary of `texts`: terms in at least two documents and at most `max_df` of them."""
    texts = list(texts)
    df = Counter()
    surface_counts: dict[str, Counter] = {}
    for text in texts:
        seen = set()
        for word in words(text or ""):
            if len(word) < MIN_WORD_CHARS or word in STOP_WORDS:
                continue
            term = _stem(word)
            seen.add(term)
            surface_counts.setdefault(term, Counter())[word] += 1
        df.update(seen)
    n = max(len(texts), 1)
    kept = sorted(t for t, d in df.items() if d >= 2 and d <= max(max_df * n, 2))
    index = {term: i for i, term in enumerate(kept)}
    idf = np.array([np.log((1 + n) / (1 + df[t])) + 1.0 for t in kept], dtype=np.float64)
    surface = {t: surface_counts[t].most_common(1)[0][0] for t in kept}
    return Vocabulary(index, idf, surface)


def shared_terms(vocabulary: Vocabulary, row_a: sparse.csr_matrix, row_b: sparse.csr_matrix, limit: int = 3):
    """The readable words that contribute most to the similarity of two TF-IDF rows."""
    product = row_a.multiply(row_b).tocoo()
    order = np.argsort(-product.data)[:limit]
    return [vocabulary.surface[vocabulary.terms[c]] for c in product.col[order]]
