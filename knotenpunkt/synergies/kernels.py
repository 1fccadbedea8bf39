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


@njit(nogil=True, cache=True, inline="always")
def _swap(keys, vals, cols, a, b):
    keys[a], keys[b] = keys[b], keys[a]
    vals[a], vals[b] = vals[b], vals[a]
    cols[a], cols[b] = cols[b], cols[a]


@njit(nogil=True, cache=True)
def _sift_down(keys, vals, cols, size, at):
    while True:
        worst = at
        for child in (2 * at + 1, 2 * at + 2):
            if child < size and _worse(keys[child], cols[child], keys[worst], cols[worst]):
                worst = child
        if worst == at:
            return
        _swap(keys, vals, cols, at, worst)
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
        _swap(keys, vals, cols, at, parent)
        at = parent


@njit(nogil=True, cache=True)
def _keep_best(keys, vals, cols, size, k, key, value, col):
    """Put an entry into the heap of the k best (root: the worst of them) that has room for it or
    whose root it beats (the caller checks that: `size < k or _worse(keys[0], cols[0], key, col)`,
    in the loop itself — a call per entry made the kernels 2.5 times slower); its new size."""
    if size < k:
        _heap_push(keys, vals, cols, size, key, value, col)
        return size + 1
    keys[0] = key
    vals[0] = value
    cols[0] = col
    _sift_down(keys, vals, cols, size, 0)
    return size


@njit(nogil=True, cache=True)
def _accumulate(x, l_ptr, l_idx, l_val, middle, r_ptr, r_idx, r_val, buffer, touched):
    """Add row x of L · diag(middle) · R (middle empty: L · R) into the dense buffer, listing in
    `touched` each column reached, once (when its cell was still 0), without a branch: the list's
    end moves on only for a new column. Returns how many were listed."""
    weighted = len(middle) > 0
    m = 0
    for p in range(l_ptr[x], l_ptr[x + 1]):
        z = l_idx[p]
        w = l_val[p] * middle[z] if weighted else np.float64(l_val[p])
        if w == 0.0:
            continue
        for q in range(r_ptr[z], r_ptr[z + 1]):
            y = r_idx[q]
            old = buffer[y]
            touched[m] = y
            m += old == 0.0
            buffer[y] = old + w * r_val[q]
    return m


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
    # 0 where the current row has no path (all values are > 0). Of R's type: float32 halves it
    # (400 instead of 800 kB for 100,000 actors), so that it stays in a core's L2 cache.
    buffer = np.zeros(n, r_val.dtype)
    touched = np.empty(n + 1, np.int64)  # the columns the current row reaches (one spare cell)
    heap_key = np.empty(max(k, 1), np.float64)
    heap_val = np.empty(max(k, 1), np.float64)
    heap_col = np.empty(max(k, 1), np.int64)
    ranked = len(rank) > 0
    out = 0
    for i in range(count_rows):
        x = rows[i]
        m = _accumulate(x, l_ptr, l_idx, l_val, middle, r_ptr, r_idx, r_val, buffer, touched)
        for e in range(extra_ptr[i], extra_ptr[i + 1]):
            y = extra_idx[e]
            out_row[out] = i
            out_col[out] = y
            out_val[out] = buffer[y]
            out += 1
        # The k best in a heap whose root is the worst of them: most columns are compared with
        # the root only. The buffer is cleared on the way for the next row.
        size = 0
        for j in range(m):
            y = touched[j]
            value = buffer[y]
            buffer[y] = 0.0
            key = value * rank[y] if ranked else value
            # key 0: a column reached only through explicit zeros, listed twice: no path
            if key > 0.0 and (size < k or _worse(heap_key[0], heap_col[0], key, y)):
                size = _keep_best(heap_key, heap_val, heap_col, size, k, key, value, y)
        for j in range(size):
            out_row[out] = i
            out_col[out] = heap_col[j]
            out_val[out] = heap_val[j]
            out += 1
    return out_row[:out], out_col[:out], out_val[:out]


@njit(nogil=True, cache=True)
def similar_top(rows, l_ptr, l_idx, l_val, r_ptr, r_idx, r_val, n, k):
    """For each x = rows[i]: its k best columns y by (L · R)[x, y], equal values by the smaller y,
    as (local row i, y) — the choice `row_products_top` makes without middle, rank or extras.
    Values must be positive, and each row of R ordered by falling value (then by column).

    Here R's rows are the holders of a rare feature or word, and x often has one of them: then
    each holder's value is final as it is read, and the values fall along the row, so the walk
    stops at the first one below the k-th best so far (values equal to it are still read: a
    smaller column wins among equals) — some k holders instead of a thousand or two.
    """
    out_row = np.empty(len(rows) * k, np.int64)
    out_col = np.empty(len(rows) * k, np.int64)
    buffer = np.zeros(n, r_val.dtype)  # see row_products_top
    touched = np.empty(n + 1, np.int64)
    heap_key = np.empty(max(k, 1), np.float64)
    heap_val = np.empty(max(k, 1), np.float64)
    heap_col = np.empty(max(k, 1), np.int64)
    single = np.zeros(1, r_val.dtype)  # a value rounded as a cell of the buffer would be
    no_middle = np.zeros(0)
    out = 0
    for i in range(len(rows)):
        x = rows[i]
        size = 0
        if l_ptr[x + 1] - l_ptr[x] == 1:
            w = np.float64(l_val[l_ptr[x]])
            z = l_idx[l_ptr[x]]
            for q in range(r_ptr[z], r_ptr[z + 1]):
                y = r_idx[q]
                single[0] = 0.0 + w * r_val[q]
                value = np.float64(single[0])
                if size == k and value < heap_key[0]:
                    break  # every value after it is as small or smaller (w · falling values)
                if value > 0.0 and (size < k or _worse(heap_key[0], heap_col[0], value, y)):
                    size = _keep_best(heap_key, heap_val, heap_col, size, k, value, value, y)
        else:
            m = _accumulate(x, l_ptr, l_idx, l_val, no_middle, r_ptr, r_idx, r_val, buffer, touched)
            for j in range(m):
                y = touched[j]
                value = np.float64(buffer[y])
                buffer[y] = 0.0
                if value > 0.0 and (size < k or _worse(heap_key[0], heap_col[0], value, y)):
                    size = _keep_best(heap_key, heap_val, heap_col, size, k, value, value, y)
        for j in range(size):
            out_row[out] = i
            out_col[out] = heap_col[j]
            out += 1
    return out_row[:out], out_col[:out]


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


# --- the reasons' JSON --------------------------------------------------------------------------
# The reasons of a million pairs are written every night as the compact JSON arrays of
# `models.ReasonsField`. `reason_json` writes them as UTF-8 bytes into one buffer; the strings
# it copies (feature values, words) come from tables of JSON-encoded UTF-8 bytes.


@njit(nogil=True, cache=True)
def _grow(buf, pos, need):
    if pos + need <= len(buf):
        return buf
    bigger = np.empty(max(2 * len(buf), pos + need), np.uint8)
    bigger[:pos] = buf[:pos]
    return bigger


@njit(nogil=True, cache=True)
def _put_char(buf, pos, char):
    buf[pos] = char
    return pos + 1


@njit(nogil=True, cache=True)
def _put_int(buf, pos, value):
    """The decimal digits of an integer (at most 20 bytes)."""
    if value < 0:
        buf[pos] = 45  # -
        pos += 1
        value = -value
    digits = 1
    rest = value // 10
    while rest:
        digits += 1
        rest //= 10
    for d in range(digits - 1, -1, -1):
        buf[pos + d] = 48 + value % 10
        value //= 10
    return pos + digits


@njit(nogil=True, cache=True)
def _put_entry(buf, pos, table, offsets, entry):
    start, end = offsets[entry], offsets[entry + 1]
    buf[pos : pos + end - start] = table[start:end]
    return pos + end - start


@njit(nogil=True, cache=True)
def _put_tag(buf, pos, tag):
    """`["x",` for the one-letter tag x."""
    buf[pos] = 91  # [
    buf[pos + 1] = 34  # "
    buf[pos + 2] = tag
    buf[pos + 3] = 34
    buf[pos + 4] = 44  # ,
    return pos + 5


@njit(nogil=True, cache=True, inline="always")
def _next_reason(buf, pos, first):
    """A comma before every reason but the first of a pair; returns (pos, first=False)."""
    if not first:
        buf[pos] = 44
        pos += 1
    return pos, False


@njit(nogil=True, cache=True, inline="always")
def _before(a, b, key):
    """a comes first: the smaller key, then the smaller index."""
    return key[a] < key[b] or (key[a] == key[b] and a < b)


@njit(nogil=True, cache=True, inline="always")
def _insert(chosen, size, limit, z, key):
    """Put z into the sorted list chosen[:size] (a full list of `limit` drops its last)."""
    if size == limit and not _before(z, chosen[limit - 1], key):
        return
    at = size if size < limit else limit - 1
    while at > 0 and _before(z, chosen[at - 1], key):
        chosen[at] = chosen[at - 1]
        at -= 1
    chosen[at] = z


@njit(nogil=True, cache=True, inline="always")
def _contains(idx, start, end, value):
    """value among the sorted idx[start:end] (binary search)."""
    low, high = start, end
    while low < high:
        middle = (low + high) // 2
        if idx[middle] < value:
            low = middle + 1
        else:
            high = middle
    return low < end and idx[low] == value


@njit(nogil=True, cache=True, inline="always")
def _one_common(z, count, pub_count, pub_idx, pub_start, pub_end, pub_bits, degree, limit, chosen, pub_chosen):
    """Count z as a common partner (and as a public one where x's and y's ties to it are public)."""
    _insert(chosen, min(count, limit), limit, z, degree)
    count += 1
    if _has(pub_bits, z) and _contains(pub_idx, pub_start, pub_end, z):
        _insert(pub_chosen, min(pub_count, limit), limit, z, degree)
        pub_count += 1
    return count, pub_count


@njit(nogil=True, cache=True)
def _common_partners(adj_ptr, adj_idx, bits, pub_ptr, pub_idx, pub_bits, x, y, degree, limit, chosen, pub_chosen):
    """Common partners of x (its partners' bits set in `bits`, its public ones in `pub_bits`) and y: their
    number in the adjacency and in the public adjacency (a subset of it, rows sorted); the `limit`
    of lowest degree (then lowest index) of each are left at the start of chosen and pub_chosen.

    Suggested partners are often well connected: where y has many more ties than x, x's ties are
    looked up in y's sorted row (each search starting where the last one ended) instead of
    reading all of y's row.
    """
    count, pub_count = 0, 0
    pub_start, pub_end = pub_ptr[y], pub_ptr[y + 1]
    x_start, x_end = adj_ptr[x], adj_ptr[x + 1]
    y_start, y_end = adj_ptr[y], adj_ptr[y + 1]
    if 8 * (x_end - x_start) < y_end - y_start:
        low = y_start
        for p in range(x_start, x_end):
            z = adj_idx[p]
            high = y_end
            while low < high:
                middle = (low + high) // 2
                if adj_idx[middle] < z:
                    low = middle + 1
                else:
                    high = middle
            if low == y_end:
                break
            if adj_idx[low] == z:
                count, pub_count = _one_common(z, count, pub_count, pub_idx, pub_start, pub_end, pub_bits,
                                               degree, limit, chosen, pub_chosen)  # fmt: skip
        return count, pub_count
    for q in range(y_start, y_end):
        z = adj_idx[q]
        if _has(bits, z):
            count, pub_count = _one_common(z, count, pub_count, pub_idx, pub_start, pub_end, pub_bits, degree,
                                           limit, chosen, pub_chosen)  # fmt: skip
    return count, pub_count


@njit(nogil=True, cache=True, inline="always")
def _has(bits, z):
    """Bit z of the bit set (uint8s)."""
    return (bits[z >> 3] >> (z & 7)) & 1


@njit(nogil=True, cache=True)
def _set_bits(ptr, idx, x, bits):
    """Set the bits of row x's columns."""
    for p in range(ptr[x], ptr[x + 1]):
        z = idx[p]
        bits[z >> 3] |= 1 << (z & 7)


@njit(nogil=True, cache=True)
def _clear_bits(ptr, idx, x, bits):
    """Clear the bytes of row x's columns (every bit set is one of them)."""
    for p in range(ptr[x], ptr[x + 1]):
        bits[idx[p] >> 3] = 0


@njit(nogil=True, cache=True)
def _mark(ptr, idx, x, stamp, mark):
    for p in range(ptr[x], ptr[x + 1]):
        stamp[idx[p]] = mark


@njit(nogil=True, cache=True)
def _put_list(buf, pos, values, count, ids):
    """`[ids[v], …]` for the first `count` of `values`."""
    buf[pos] = 91
    pos += 1
    for j in range(count):
        if j:
            buf[pos] = 44
            pos += 1
        pos = _put_int(buf, pos, ids[values[j]])
    buf[pos] = 93  # ]
    return pos + 1


@njit(nogil=True, cache=True)
def reason_json(
    xs, ys, both_public, ids, degree,
    adj_ptr, adj_idx, pub_ptr, pub_idx,
    feat_ptr, feat_idx, feat_kind, feat_table, feat_offsets,
    text_ptr, text_idx, text_val, text_wanted, word_table, word_offsets,
    offer_o, offer_n, offer_partner, offer_public,
    bridge, sector_x, sector_y, limit,
):  # fmt: skip
    """The reasons of each pair (xs[i], ys[i]) as the compact JSON array of `models.ReasonsField`,
    UTF-8, written one after the other into one buffer: returns (buffer, end of each pair's text).

    In this order, each where it applies:
    - `["o",offer,need,partner_offers,public]` where offer_o[i] ≥ 0 (the match found by the caller);
    - `["s",public,[themes],[SDGs],[countries]]`: the features both have (feat_kind 0, 1, 2 by
      column, columns in order of their value), as the JSON texts of `feat_table`;
    - `["c",count,[ids],public_count,[ids] or null]`: common partners in the adjacency and in the
      public one (a subset of it), up to `limit` of the lowest degree each (null: the same as the
      first list);
    - `["t",public,[words]]` where text_wanted[i]: up to `limit` words both descriptions use, the
      largest products of their weights first, as the JSON texts of `word_table`;
    - `["b",sector,sector]` where bridge[i].
    Rows of the matrices must have sorted indices (the features' order is the output's).
    """
    count_pairs = len(xs)
    ends = np.empty(count_pairs, np.int64)
    n = len(degree)
    # The current x's partners (and its public ones) as bit sets: 12.5 kB for 100,000 actors stay in
    # the fastest cache, where a stamp per actor (400 kB) missed it on every partner of y looked up.
    bits = np.zeros((n >> 3) + 1, np.uint8)
    pub_bits = np.zeros((n >> 3) + 1, np.uint8)
    feat_stamp = np.full(max(len(feat_offsets) - 1, 1), -1, np.int64)
    text_stamp = np.full(max(len(word_offsets) - 1, 1), -1, np.int64)
    text_value = np.zeros(max(len(word_offsets) - 1, 1), np.float64)
    chosen = np.empty(limit, np.int64)
    pub_chosen = np.empty(limit, np.int64)
    words = np.empty(limit, np.int64)
    word_scores = np.empty(limit, np.float64)
    shared = np.empty(max(len(feat_offsets) - 1, 1), np.int64)
    longest_feature = 1
    for f in range(len(feat_offsets) - 1):
        longest_feature = max(longest_feature, feat_offsets[f + 1] - feat_offsets[f])
    longest_word = 1
    for w in range(len(word_offsets) - 1):
        longest_word = max(longest_word, word_offsets[w + 1] - word_offsets[w])
    has_features = len(feat_ptr) > 1
    has_text = len(text_ptr) > 1
    buf = np.empty(max(count_pairs * 64, 1024), np.uint8)
    pos = 0
    current = -1
    for i in range(count_pairs):
        x, y = xs[i], ys[i]
        if x != current:
            if current >= 0:
                _clear_bits(adj_ptr, adj_idx, current, bits)
                _clear_bits(pub_ptr, pub_idx, current, pub_bits)
            _set_bits(adj_ptr, adj_idx, x, bits)
            _set_bits(pub_ptr, pub_idx, x, pub_bits)
            if has_features:
                _mark(feat_ptr, feat_idx, x, feat_stamp, x)
            if has_text:
                for p in range(text_ptr[x], text_ptr[x + 1]):
                    text_stamp[text_idx[p]] = x
                    text_value[text_idx[p]] = text_val[p]
            current = x
        # Room for the longest text this pair can have.
        features_y = feat_ptr[y + 1] - feat_ptr[y] if has_features else 0
        need = 600 + features_y * (longest_feature + 1) + limit * (longest_word + 1)
        buf = _grow(buf, pos, need)
        public = both_public[i]
        buf[pos] = 91
        pos += 1
        first = True
        if offer_o[i] >= 0:
            pos = _put_tag(buf, pos, 111)  # o
            pos = _put_int(buf, pos, offer_o[i])
            buf[pos] = 44
            pos = _put_int(buf, pos + 1, offer_n[i])
            buf[pos] = 44
            pos = _put_int(buf, pos + 1, offer_partner[i])
            buf[pos] = 44
            pos = _put_int(buf, pos + 1, offer_public[i])
            buf[pos] = 93
            pos += 1
            first = False
        if has_features:
            found = 0
            for q in range(feat_ptr[y], feat_ptr[y + 1]):
                if feat_stamp[feat_idx[q]] == x:
                    shared[found] = feat_idx[q]
                    found += 1
            if found:
                pos, first = _next_reason(buf, pos, first)
                pos = _put_tag(buf, pos, 115)  # s
                pos = _put_int(buf, pos, public)
                for kind in range(3):
                    buf[pos] = 44
                    buf[pos + 1] = 91
                    pos += 2
                    listed = 0
                    for j in range(found):
                        if feat_kind[shared[j]] == kind:
                            if listed:
                                buf[pos] = 44
                                pos += 1
                            pos = _put_entry(buf, pos, feat_table, feat_offsets, shared[j])
                            listed += 1
                    buf[pos] = 93
                    pos += 1
                buf[pos] = 93
                pos += 1
        count, pub_count = _common_partners(
            adj_ptr, adj_idx, bits, pub_ptr, pub_idx, pub_bits, x, y, degree, limit, chosen, pub_chosen
        )
        if count:
            pos, first = _next_reason(buf, pos, first)
            pos = _put_tag(buf, pos, 99)  # c
            pos = _put_int(buf, pos, count)
            buf[pos] = 44
            pos = _put_list(buf, pos + 1, chosen, min(count, limit), ids)
            buf[pos] = 44
            pos = _put_int(buf, pos + 1, pub_count)
            buf[pos] = 44
            pos += 1
            same = min(count, limit) == min(pub_count, limit)
            if same:
                for j in range(min(count, limit)):
                    if chosen[j] != pub_chosen[j]:
                        same = False
            if same:
                for char in (110, 117, 108, 108):  # null
                    buf[pos] = char
                    pos += 1
            else:
                pos = _put_list(buf, pos, pub_chosen, min(pub_count, limit), ids)
            buf[pos] = 93
            pos += 1
        if has_text and text_wanted[i]:
            found = 0
            for q in range(text_ptr[y], text_ptr[y + 1]):
                w = text_idx[q]
                if text_stamp[w] != x:
                    continue
                score = text_value[w] * text_val[q]
                if score <= 0.0:
                    continue
                size = min(found, limit)
                found += 1
                if size == limit and not (
                    score > word_scores[limit - 1] or (score == word_scores[limit - 1] and w < words[limit - 1])
                ):
                    continue
                at = size if size < limit else limit - 1
                while at > 0 and (score > word_scores[at - 1] or (score == word_scores[at - 1] and w < words[at - 1])):
                    words[at] = words[at - 1]
                    word_scores[at] = word_scores[at - 1]
                    at -= 1
                words[at] = w
                word_scores[at] = score
            if found:
                pos, first = _next_reason(buf, pos, first)
                pos = _put_tag(buf, pos, 116)  # t
                pos = _put_int(buf, pos, public)
                buf[pos] = 44
                buf[pos + 1] = 91
                pos += 2
                for j in range(min(found, limit)):
                    if j:
                        buf[pos] = 44
                        pos += 1
                    pos = _put_entry(buf, pos, word_table, word_offsets, words[j])
                buf[pos] = 93
                buf[pos + 1] = 93
                pos += 2
        if bridge[i]:
            pos, first = _next_reason(buf, pos, first)
            pos = _put_tag(buf, pos, 98)  # b
            pos = _put_int(buf, pos, sector_x[i])
            buf[pos] = 44
            pos = _put_int(buf, pos + 1, sector_y[i])
            buf[pos] = 93
            pos += 1
        buf[pos] = 93
        pos += 1
        ends[i] = pos
    return buf[:pos], ends


# --- PostgreSQL's binary COPY -------------------------------------------------------------------

COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # the header: signature, no flags, no extension
COPY_TRAILER = b"\xff\xff"


@njit(nogil=True, cache=True, inline="always")
def _put_be(buf, pos, value, size):
    """`value` as a big-endian integer of `size` bytes."""
    for b in range(size):
        buf[pos + b] = (value >> (8 * (size - 1 - b))) & 0xFF
    return pos + size


@njit(nogil=True, cache=True)
def copy_rows(actor, partner, rank, score_bits, reasons, starts, ends, stamp, first_id):
    """Suggestion rows in PostgreSQL's binary COPY format (without header and trailer), columns
    ([id bigint,] actor_id bigint, partner_id bigint, rank smallint, score float8, reasons json,
    computed_at timestamptz): the ids first_id, first_id + 1, … where first_id ≥ 0 (else the
    column's default numbers them), score_bits the float64 scores viewed as int64,
    reasons[starts[i]:ends[i]] the JSON of row i (json's binary form is its text), stamp the
    microseconds since 2000-01-01 UTC."""
    with_id = first_id >= 0
    size = 0
    for i in range(len(actor)):
        size += 2 + 4 * 6 + 8 + 8 + 2 + 8 + (ends[i] - starts[i]) + 8 + (12 if with_id else 0)
    buf = np.empty(size, np.uint8)
    pos = 0
    for i in range(len(actor)):
        if with_id:
            pos = _put_be(buf, pos, 7, 2)
            pos = _put_be(buf, pos, 8, 4)
            pos = _put_be(buf, pos, first_id + i, 8)
        else:
            pos = _put_be(buf, pos, 6, 2)
        pos = _put_be(buf, pos, 8, 4)
        pos = _put_be(buf, pos, actor[i], 8)
        pos = _put_be(buf, pos, 8, 4)
        pos = _put_be(buf, pos, partner[i], 8)
        pos = _put_be(buf, pos, 2, 4)
        pos = _put_be(buf, pos, rank[i], 2)
        pos = _put_be(buf, pos, 8, 4)
        pos = _put_be(buf, pos, score_bits[i], 8)
        length = ends[i] - starts[i]
        pos = _put_be(buf, pos, length, 4)
        buf[pos : pos + length] = reasons[starts[i] : ends[i]]
        pos += length
        pos = _put_be(buf, pos, 8, 4)
        pos = _put_be(buf, pos, stamp, 8)
    return buf
