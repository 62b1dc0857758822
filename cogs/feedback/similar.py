"""The duplicate finder: which open items say what a new text says, paraphrases included.

Texts are first put in canonical form (:mod:`cogs.feedback.normalise`: lemmas, typo repair,
product synonyms, so "phone app ... dark theme" and "dark mode ... mobile" share tokens). Each
item then has two hashed TF-IDF vectors (scikit-learn's ``FeatureHasher``): canonical words and
word pairs, and character 3-5-grams inside words (typos and word forms the vocabulary misses).

A query runs in two stages, both exact functions of the current set of items (never of the order
they came in, so an index kept up to date item by item answers as one built afresh):

1. candidates: an inverted-index pass over column-compressed blocks touches only the items that
   share a feature with the query, scored by idf²-weighted overlap over each item's fixed length;
2. the best ``candidates`` are re-scored exactly: cosine of the idf-weighted word vectors and of
   the character vectors, rapidfuzz's ``token_set_ratio`` of the canonical texts, blended by
   :class:`Weights`; a pair naming different members of one contrast set ("mobile" / "desktop")
   is multiplied by ``Weights.contrast_penalty``.

The index is incremental: ``add``, ``remove`` and ``update`` change the document frequencies and
one small tail block; a full block is sealed once (column-compressed); a block with more dead rows
than live ones is compacted. Nothing is rebuilt per capture.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher

from cogs.feedback.normalise import Canonical, canonical, contrast_conflict

DEFAULT_THRESHOLD = 0.4  # best F1 on tests/cogs/feedback/pairs.yaml; a wrong offer costs a click
_Ints = npt.NDArray[np.int32]
_Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Weights:
    """How the exact stage blends its three similarities (they sum to 1) and the contrast penalty."""

    word: float = 0.45
    char: float = 0.30
    fuzz: float = 0.25
    contrast_penalty: float = 0.4


@dataclass(frozen=True, slots=True)
class Match:
    """An open item similar to the query, with its blended score in [0, 1]."""

    item_id: int
    score: float


@dataclass(frozen=True, slots=True)
class _Row:
    """One sparse vector: sorted feature indices and sublinear term frequencies."""

    indices: _Ints
    values: _Floats


@dataclass(frozen=True, slots=True)
class _Doc:
    canon: Canonical
    word: _Row
    char: _Row
    both: _Row  # word and char features together: what the candidate stage reads


@dataclass(slots=True)
class _Block:
    """Sealed rows, column-compressed so a query reads only the columns it names."""

    ids: npt.NDArray[np.int64]
    matrix: sparse.csc_matrix
    alive: npt.NDArray[np.bool_]


def _features(canon: Canonical) -> tuple[list[str], list[str]]:
    words = [f"w{t}" for t in canon.tokens]
    words += [f"b{a} {b}" for a, b in zip(canon.tokens, canon.tokens[1:], strict=False)]
    chars: list[str] = []
    for token in canon.tokens:
        padded = f" {token} "
        chars += [f"c{padded[i:i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    return words, chars


def _norm(values: _Floats) -> float:
    return max(float(np.linalg.norm(values)), 1e-12)


def _stack(indices: list[_Ints], values: list[_Floats], n_features: int) -> sparse.csr_matrix:
    """Rows given as index and value arrays, as one CSR matrix."""
    indptr = np.cumsum([0] + [len(i) for i in indices])
    data = np.concatenate(values) if values else np.zeros(0)
    cols = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32)
    return sparse.csr_matrix((data, cols, indptr), shape=(len(indices), n_features))


def _merge(a: _Row, b: _Row) -> _Row:
    indices, inverse = np.unique(np.concatenate([a.indices, b.indices]), return_inverse=True)
    values = np.zeros(len(indices), dtype=np.float64)
    np.add.at(values, inverse, np.concatenate([a.values, b.values]))
    return _Row(indices.astype(np.int32), values)


@dataclass
class SimilarIndex:
    """Open items kept ready for duplicate look-ups; add, update and remove one at a time."""

    n_features: int = 2**18
    block_rows: int = 1024
    candidates: int = 64
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        self._hasher = FeatureHasher(n_features=self.n_features, input_type="string", alternate_sign=False)
        self._docs: dict[int, _Doc] = {}
        self._df = np.zeros(self.n_features, dtype=np.int64)
        self._blocks: list[_Block] = []
        self._where: dict[int, tuple[int, int]] = {}  # id -> (block number, row) for sealed rows
        self._tail: list[int] = []  # ids not sealed yet, in insertion order
        self._tail_cache: sparse.csr_matrix | None = None

    # -- maintenance -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._docs

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._docs))

    def add(self, item_id: int, text: str) -> None:
        """Index one open item (replacing its text when it is indexed already)."""
        if item_id in self._docs:
            self.remove(item_id)
        doc = self._vectorise(text)
        self._docs[item_id] = doc
        self._df[doc.both.indices] += 1
        self._tail.append(item_id)
        self._tail_cache = None
        if len(self._tail) >= self.block_rows:
            self._seal(self._tail)
            self._tail = []

    def update(self, item_id: int, text: str) -> None:
        """Re-index an item whose title or details changed."""
        self.add(item_id, text)

    def remove(self, item_id: int) -> None:
        """Forget an item (closed, merged, deleted); unknown ids are ignored."""
        doc = self._docs.pop(item_id, None)
        if doc is None:
            return
        self._df[doc.both.indices] -= 1
        place = self._where.pop(item_id, None)
        if place is None:
            self._tail.remove(item_id)
            self._tail_cache = None
            return
        block = self._blocks[place[0]]
        block.alive[place[1]] = False
        if int(block.alive.sum()) * 2 < len(block.alive):
            self._compact(place[0])

    def add_many(self, items: Iterable[tuple[int, str]]) -> None:
        """Index many items (the cog's start-up load)."""
        for item_id, text in items:
            self.add(item_id, text)

    # -- queries -----------------------------------------------------------------------------

    def similar(self, text: str, *, limit: int = 5, threshold: float = DEFAULT_THRESHOLD,
                exclude: Iterable[int] = ()) -> list[Match]:
        """The open items most like ``text``, best first, each scoring at least ``threshold``."""
        if limit <= 0 or not self._docs:
            return []
        query = self._vectorise(text)
        if not len(query.both.indices):
            return []
        skip = set(exclude)
        pool = [i for i in self._candidates(query, self.candidates + len(skip)) if i not in skip]
        scored = self._exact(query, pool[:self.candidates])
        found = [Match(i, s) for i, s in scored if s >= threshold]
        found.sort(key=lambda m: (-m.score, m.item_id))
        return found[:limit]

    def score(self, text: str, item_id: int) -> float:
        """The exact blended score of ``text`` against one indexed item (0.0 when unknown)."""
        if item_id not in self._docs:
            return 0.0
        query = self._vectorise(text)
        if not len(query.both.indices):
            return 0.0
        return self._exact(query, [item_id])[0][1]

    # -- internals ---------------------------------------------------------------------------

    def _vectorise(self, text: str) -> _Doc:
        canon = canonical(text)
        words, chars = _features(canon)
        hashed = self._hasher.transform([words, chars]).tocsr()
        hashed.sum_duplicates()
        rows = []
        for r in range(2):
            start, end = hashed.indptr[r], hashed.indptr[r + 1]
            rows.append(_Row(hashed.indices[start:end].astype(np.int32),
                             1.0 + np.log(hashed.data[start:end].astype(np.float64))))
        return _Doc(canon, rows[0], rows[1], _merge(rows[0], rows[1]))

    def _idf(self, indices: _Ints) -> _Floats:
        n = len(self._docs)
        return np.log((1.0 + n) / (1.0 + self._df[indices])) + 1.0

    def _seal(self, ids: list[int]) -> None:
        number = len(self._blocks)
        rows = [self._docs[i].both for i in ids]
        for row, item_id in enumerate(ids):
            self._where[item_id] = (number, row)
        # Fixed per-item length (tf only): the candidate score must not depend on history.
        csr = _stack([r.indices for r in rows], [r.values / _norm(r.values) for r in rows], self.n_features)
        self._blocks.append(_Block(np.array(ids, dtype=np.int64), csr.tocsc(), np.ones(len(ids), dtype=bool)))

    def _compact(self, number: int) -> None:
        block = self._blocks.pop(number)
        for moved in self._blocks[number:]:  # later blocks shift down by one
            for item_id in moved.ids[moved.alive]:
                place = self._where[int(item_id)]
                self._where[int(item_id)] = (place[0] - 1, place[1])
        survivors = [int(i) for i in block.ids[block.alive]]
        for item_id in survivors:
            del self._where[item_id]
        self._tail = survivors + self._tail
        self._tail_cache = None
        while len(self._tail) >= self.block_rows:
            self._seal(self._tail[:self.block_rows])
            self._tail = self._tail[self.block_rows:]

    def _candidates(self, query: _Doc, want: int) -> list[int]:
        idx = query.both.indices
        weights = query.both.values * self._idf(idx) ** 2
        ids: list[npt.NDArray[np.int64]] = []
        scores: list[_Floats] = []
        for block in self._blocks:
            got = np.asarray(block.matrix[:, idx] @ weights).ravel()
            keep = block.alive & (got > 0)
            ids.append(block.ids[keep])
            scores.append(got[keep])
        if self._tail:
            dense = np.zeros(self.n_features)
            dense[idx] = weights
            ids.append(np.array(self._tail, dtype=np.int64))
            scores.append(np.asarray(self._tail_matrix() @ dense).ravel())
        all_ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        all_scores = np.concatenate(scores) if scores else np.zeros(0)
        positive = all_scores > 0
        all_ids, all_scores = all_ids[positive], all_scores[positive]
        if len(all_ids) > want:
            # Ties at the cut are broken by id, so the pool never depends on block layout.
            order = np.lexsort((all_ids, -all_scores))[:want]
        else:
            order = np.lexsort((all_ids, -all_scores))
        return [int(i) for i in all_ids[order]]

    def _tail_matrix(self) -> sparse.csr_matrix:
        """The unsealed rows, normalised like a sealed block; rebuilt only after the tail changed."""
        if self._tail_cache is None:
            rows = [self._docs[i].both for i in self._tail]
            self._tail_cache = _stack([r.indices for r in rows], [r.values / _norm(r.values) for r in rows],
                                      self.n_features)
        return self._tail_cache

    def _cosines(self, query: _Row, rows: list[_Row]) -> _Floats:
        """Exact idf-weighted cosines of ``query`` against each row (one vectorised pass)."""
        q_w = query.values * self._idf(query.indices)
        q_norm = _norm(q_w)
        dense = np.zeros(self.n_features)
        dense[query.indices] = q_w
        indices = np.concatenate([r.indices for r in rows])
        weighted = np.concatenate([r.values for r in rows]) * self._idf(indices)
        starts = np.cumsum([0] + [len(r.indices) for r in rows[:-1]])
        sizes = np.array([len(r.indices) for r in rows])
        dots = np.add.reduceat(weighted * dense[indices], starts) if len(indices) else np.zeros(len(rows))
        norms = np.sqrt(np.add.reduceat(weighted**2, starts)) if len(indices) else np.ones(len(rows))
        out = np.where(sizes > 0, dots / (q_norm * np.maximum(norms, 1e-12)), 0.0)
        return np.asarray(np.clip(out, 0.0, 1.0), dtype=np.float64)

    def _exact(self, query: _Doc, pool: list[int]) -> list[tuple[int, float]]:
        if not pool:
            return []
        docs = [self._docs[i] for i in pool]
        word = self._cosines(query.word, [d.word for d in docs])
        char = self._cosines(query.char, [d.char for d in docs])
        w = self.weights
        out = []
        for k, (item_id, doc) in enumerate(zip(pool, docs, strict=True)):
            fuzzy = fuzz.token_set_ratio(query.canon.text, doc.canon.text) / 100.0
            score = w.word * word[k] + w.char * char[k] + w.fuzz * fuzzy
            if contrast_conflict(query.canon.contrasts, doc.canon.contrasts):
                score *= w.contrast_penalty
            out.append((item_id, round(min(max(float(score), 0.0), 1.0), 6)))
        return out
