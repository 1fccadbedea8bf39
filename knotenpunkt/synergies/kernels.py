"""The engine's inner loops, compiled (numba): row products with their best entries, and sums over
pairs of sparse rows.

scipy computes a block of two-step paths as a whole sparse matrix (two passes, a few million
entries), and the engine then had to sort every row of it for its best few — two thirds of the
nightly run. Here each actor's row is accumulated in a dense buffer, its best `k` entries are
picked by a partial sort, and the buffer is reused for the next actor: no matrix, no sort.

Every kernel releases the GIL (`nogil`), so the engine's threads run them on both cores, and is
compiled once and cached on disk (`cache`: in `__pycache__` beside this file, or NUMBA_CACHE_DIR).
The kernels take the arrays of CSR matrices (indptr, indices, data); `engine.py` wraps them.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True, inline="always")
def _worse(key_a, col_a, key_b, col_b):
    """Entry a ranks below entry b: a smaller key, or the same key and a larger column."""
    return key_a < key_b or (key_a == key_b and col_a > col_b)


@njit(nogil=True, cache=True)
def _sift_down(keys, vals, cols, size, at):
    while True:
        worst = at
        for child in (2 * at + 1, 2 * at + 2):
            if child < size and _worse(keys[child], cols[child], keys[worst], cols[worst]):
                worst = child
        if worst == at:
            return
        keys[at], keys[worst] = keys[worst], keys[at]
        vals[at], vals[worst] = vals[worst], vals[at]
        cols[at], cols[worst] = cols[worst], cols[at]
        at = worst


@njit(nogil=True, cache=True)
def _heap_push(keys, vals, cols, size, key, value, col):
    at = size
    keys[at] = key
    vals[at] = value
    cols[at] = col
    while at > 0:
        parent = (at - 1) // 2
        if not _worse(keys[at], cols[at], keys[parent], cols[parent]):
            return
        keys[at], keys[parent] = keys[parent], keys[at]
        vals[at], vals[parent] = vals[parent], vals[at]
        cols[at], cols[parent] = cols[parent], cols[at]
        at = parent


@njit(nogil=True, cache=True)
def row_products_top(rows, l_ptr, l_idx, l_val, middle, r_ptr, r_idx, r_val, n, k, rank, extra_ptr, extra_idx):
    """For each actor x = rows[i]: the row (L · diag(middle) · R)[x] (middle empty: L · R),
    accumulated in a dense buffer. Values of L and R must be positive (weights, TF-IDF, 0/1) and
    those of `middle` positive or 0 (0: that column of L is left out) — a 0 in the buffer means
    "no path yet".

    Returns (local row i, column, value) of
    - its k largest entries, ranked by value · rank[column] (rank empty: by value), equal ranks
      by the smaller column, and
    - its value at each column extra_idx[extra_ptr[i]:extra_ptr[i + 1]] (0 where no path), so
      that candidates found elsewhere get their value from the same buffer.
    A column may appear in both.
    """
    count_rows = len(rows)
    capacity = count_rows * k + len(extra_idx)
    out_row = np.empty(capacity, np.int64)
    out_col = np.empty(capacity, np.int64)
    out_val = np.empty(capacity, np.float64)
    buffer = np.zeros(n, np.float64)  # 0 where the current row has no path (all values are > 0)
    heap_key = np.empty(max(k, 1), np.float64)
    heap_val = np.empty(max(k, 1), np.float64)
    heap_col = np.empty(max(k, 1), np.int64)
    ranked = len(rank) > 0
    weighted = len(middle) > 0
    out = 0
    for i in range(count_rows):
        x = rows[i]
        # First pass: accumulate the row (no bookkeeping of which columns were reached).
        for p in range(l_ptr[x], l_ptr[x + 1]):
            z = l_idx[p]
            w = l_val[p] * middle[z] if weighted else l_val[p]
            if w == 0.0:
                continue
            for q in range(r_ptr[z], r_ptr[z + 1]):
                buffer[r_idx[q]] += w * r_val[q]
        for e in range(extra_ptr[i], extra_ptr[i + 1]):
            y = extra_idx[e]
            out_row[out] = i
            out_col[out] = y
            out_val[out] = buffer[y]
            out += 1
        # Second pass along the same paths: each reached column once (its cell is cleared when it
        # is read, so later paths to it read 0), the k best kept in a heap whose root is the worst
        # of them — most columns are compared with the root only.
        size = 0
        for p in range(l_ptr[x], l_ptr[x + 1]):
            z = l_idx[p]
            if weighted and middle[z] == 0.0:
                continue
            for q in range(r_ptr[z], r_ptr[z + 1]):
                y = r_idx[q]
                value = buffer[y]
                buffer[y] = 0.0
                key = value * rank[y] if ranked else value  # 0 for a column already read
                if size < k:
                    if key > 0.0:
                        _heap_push(heap_key, heap_val, heap_col, size, key, value, y)
                        size += 1
                elif _worse(heap_key[0], heap_col[0], key, y):
                    heap_key[0] = key
                    heap_val[0] = value
                    heap_col[0] = y
                    _sift_down(heap_key, heap_val, heap_col, size, 0)
        for j in range(size):
            out_row[out] = i
            out_col[out] = heap_col[j]
            out_val[out] = heap_val[j]
            out += 1
    return out_row[:out], out_col[:out], out_val[:out]


@njit(nogil=True, cache=True)
def pair_sums(a_ptr, a_idx, a_val, b_ptr, b_idx, b_val, xs, ys, n):
    """Per pair (xs[i], ys[i]): Σ_z A[x, z] · B[y, z], the dot product of two sparse rows (b_val
    empty: B's stored values are all 1).

    A's row of x is spread into a dense buffer and B's row of y read against it: no merge of
    sorted rows, so indices need not be sorted. Pairs grouped by x (as the engine makes them)
    spread each row once.
    """
    out = np.zeros(len(xs), np.float64)
    buffer = np.zeros(n, np.float64)
    ones = len(b_val) == 0
    current = -1
    for i in range(len(xs)):
        x = xs[i]
        if x != current:
            if current >= 0:
                for p in range(a_ptr[current], a_ptr[current + 1]):
                    buffer[a_idx[p]] = 0.0
            for p in range(a_ptr[x], a_ptr[x + 1]):
                buffer[a_idx[p]] += a_val[p]
            current = x
        y = ys[i]
        total = 0.0
        if ones:
            for q in range(b_ptr[y], b_ptr[y + 1]):
                total += buffer[b_idx[q]]
        else:
            for q in range(b_ptr[y], b_ptr[y + 1]):
                total += buffer[b_idx[q]] * b_val[q]
        out[i] = total
    return out
