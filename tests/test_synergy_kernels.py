"""The engine's compiled kernels against the same sums and choices made with dense numpy arrays."""

import os
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from knotenpunkt.synergies import engine, kernels


@st.composite
def products(draw):
    """L (n × m), diag(middle) (m × m, zeros leave columns out), R (m × n), ranks, k and extra cells."""
    n, m = draw(st.integers(1, 12)), draw(st.integers(1, 8))
    # A few distinct values, so that equal keys (ties) are common.
    value = st.sampled_from([0.5, 1.0, 2.0])
    left = np.array(draw(st.lists(st.lists(st.one_of(st.just(0.0), value), min_size=m, max_size=m),
                                  min_size=n, max_size=n)))  # fmt: skip
    right = np.array(draw(st.lists(st.lists(st.one_of(st.just(0.0), value), min_size=n, max_size=n),
                                   min_size=m, max_size=m)))  # fmt: skip
    middle = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 0.5]), min_size=m, max_size=m)))
    rank = np.array(draw(st.lists(st.sampled_from([1.0, 2.0]), min_size=n, max_size=n)))
    rows = np.array(sorted(draw(st.sets(st.integers(0, n - 1), min_size=1))), dtype=np.int64)
    extra = [sorted(draw(st.sets(st.integers(0, n - 1), max_size=3))) for _ in rows]
    return left, middle, right, rank, rows, extra, draw(st.integers(1, 5)), draw(st.booleans()), draw(st.booleans())


def csr(dense):
    matrix = sparse.csr_matrix(dense)
    matrix.indices = matrix.indices.astype(np.int32)
    return matrix


@settings(max_examples=300, deadline=None)
@given(products())
def test_row_products_top_keeps_the_k_best_of_each_row_and_reads_the_extra_cells(case):
    left, middle, right, rank, rows, extra, k, use_middle, single = case
    n = left.shape[0]
    dense = (left * (middle if use_middle else 1.0)) @ right
    lm, rm = csr(left), csr(right)
    if single:  # float32 matrices sum in a float32 buffer (the values here are exact in both)
        lm.data, rm.data = lm.data.astype(np.float32), rm.data.astype(np.float32)
    extra_ptr = np.r_[0, np.cumsum([len(e) for e in extra])].astype(np.int64)
    extra_idx = np.array([c for e in extra for c in e], dtype=np.int64)
    at, cols, values = kernels.row_products_top(
        rows, lm.indptr, lm.indices, lm.data, middle if use_middle else np.zeros(0), rm.indptr, rm.indices,
        rm.data, n, k, rank, extra_ptr, extra_idx,
    )  # fmt: skip
    np.testing.assert_allclose(values, dense[rows[at], cols])
    for i, x in enumerate(rows):
        mine = set(cols[at == i].tolist())
        # The k best by value · rank, equal keys by the smaller column; only columns reached at all.
        reached = [y for y in range(n) if dense[x, y] > 0]
        best = sorted(reached, key=lambda y: (-dense[x, y] * rank[y], y))[:k]
        assert set(best) | set(extra[i]) == mine
        assert len(cols[at == i]) == len(best) + len(extra[i])


@settings(max_examples=300, deadline=None)
@given(products())
def test_similar_top_chooses_what_row_products_top_chooses(case):
    """The rare features' and words' kernel: one column walked strongest first until nothing can
    enter any more, several summed."""
    left, _middle, right, _rank, rows, _extra, k, _use, single = case
    n = left.shape[0]
    lm, rm = csr(left), csr(right)
    if single:
        lm.data, rm.data = lm.data.astype(np.float32), rm.data.astype(np.float32)
    none = np.zeros(len(rows) + 1, dtype=np.int64)
    at, cols, _values = kernels.row_products_top(
        rows, lm.indptr, lm.indices, lm.data, np.zeros(0), rm.indptr, rm.indices, rm.data, n, k, np.zeros(0), none,
        none[:0],
    )  # fmt: skip
    ordered = engine._by_falling_value(rm)  # what similar_top walks: each row's strongest first
    similar_at, similar_cols = kernels.similar_top(
        rows, lm.indptr, lm.indices, lm.data, ordered.indptr, ordered.indices, ordered.data, n, k
    )
    assert sorted(zip(at.tolist(), cols.tolist(), strict=True)) == sorted(
        zip(similar_at.tolist(), similar_cols.tolist(), strict=True)
    )


@settings(max_examples=200, deadline=None)
@given(products(), st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=20), st.booleans())
def test_pair_sums_are_dot_products_of_rows(case, pairs, ones):
    left, _middle, right, _rank, _rows, _extra, _k, _use, _single = case
    n, m = left.shape
    b = right.T.copy()  # n × m, so that rows of both are over the same m columns
    pairs = [(x % n, y % n) for x, y in pairs]
    xs = np.array([p[0] for p in pairs], dtype=np.int64)
    ys = np.array([p[1] for p in pairs], dtype=np.int64)
    lm, bm = csr(left), csr(b)
    expected = [left[x] @ ((b[y] > 0) if ones else b[y]) for x, y in pairs]
    got = kernels.pair_sums(lm.indptr, lm.indices, lm.data, bm.indptr, bm.indices, bm.data[:0] if ones else bm.data,
                            xs, ys, m)  # fmt: skip
    np.testing.assert_allclose(got, expected)


def test_web_processes_do_not_load_numba():
    """The compiler (~60 MB per process, more once a kernel is loaded) is only for the processes that
    compute suggestions (worker, nightly command), not for every web worker."""
    code = (
        "import sys, django; django.setup();"
        "import knotenpunkt.urls, knotenpunkt.synergies.views.suggestions, knotenpunkt.synergies.suggestions;"
        "print('numba' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "knotenpunkt.settings"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False", out.stderr
