"""The duplicate finder: which open items say what a new text says, paraphrases included.

Texts are first put in canonical form (:mod:`cogs.feedback.normalise`: lemmas, typo repair,
product synonyms, so "phone app ... dark theme" and "dark mode ... mobile" share tokens). Each
item then has two hashed TF-IDF vectors (scikit-learn's ``FeatureHasher``): canonical words and
word pairs, and character 3-5-grams inside words (typos and word forms the vocabulary misses).

A query runs in two stages, both exact functions of the current set of items (never of the order
they came in, so an index kept up to date item by item answers as one built afresh):

1. candidates: an inverted-index pass over column-compressed blocks touches only the items that
   share a feature with the query, scored by idf²-weighted overlap over each item's fixed length
   (features found in a fifth of all items or more are skipped here: their idf² is small and
   their postings are most of the work). An item sharing no feature can only score through
   rapidfuzz, at most ``Weights.fuzz``, under any useful threshold;
2. the best ``candidates`` are re-scored exactly: cosine of the idf-weighted word vectors and of
   the character vectors, rapidfuzz's ``token_set_ratio`` of the canonical texts, blended by
   :class:`Weights`; a pair naming different members of one contrast set ("mobile" / "desktop")
   is multiplied by ``Weights.contrast_penalty``.

The index is incremental: ``add``, ``remove`` and ``update`` change the document frequencies and
a small tail of unsealed rows; a full tail becomes a column-compressed block, and blocks of similar
size are merged like a binary counter (O(log n) blocks, each row rebuilt O(log n) times in its
life); a block with more dead rows than live ones is rebuilt from its survivors. Nothing is
rebuilt per capture.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher

from cogs.feedback.normalise import Canonical, canonical, contrast_conflict

DEFAULT_THRESHOLD = 0.4  # on tests/cogs/feedback/pairs.yaml: precision and recall both above 0.9
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
    unit: _Floats  # ``both.values`` over their own length: fixed, so candidates never depend on history
    text: str  # the canonical tokens joined, what rapidfuzz reads


class _Block:
    """Sealed rows, column-compressed so a query reads only the postings of the features it names."""

    def __init__(self, ids: list[int], docs: Mapping[int, _Doc], n_features: int) -> None:
        self.ids = np.array(ids, dtype=np.int64)
        rows = [docs[i] for i in ids]
        csc = _stack([d.both.indices for d in rows], [d.unit for d in rows], n_features).tocsc()
        self.indptr, self.rows, self.data = csc.indptr, csc.indices, csc.data
        self.alive = np.ones(len(ids), dtype=bool)

    @property
    def live(self) -> int:
        """How many of its rows are still indexed."""
        return int(self.alive.sum())

    def scores(self, idx: _Ints, weights: _Floats) -> _Floats:
        """Σ over the named features of weight × stored value, per row (dead rows score 0)."""
        starts, ends = self.indptr[idx], self.indptr[idx + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        out = np.zeros(len(self.ids))
        if total:
            # Every posting of every named column, gathered in one vectorised step.
            offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
            out = np.bincount(self.rows[offsets], self.data[offsets] * np.repeat(weights, lengths),
                              minlength=len(self.ids)).astype(np.float64)
        return np.where(self.alive, out, 0.0)


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
    tail_rows: int = 64
    candidates: int = 64
    common_fraction: float = 0.2
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        self._hasher = FeatureHasher(n_features=self.n_features, input_type="string", alternate_sign=False)
        self._docs: dict[int, _Doc] = {}
        self._df = np.zeros(self.n_features, dtype=np.int64)
        # Sealed blocks, sizes roughly halving (a binary counter): O(log n) blocks, each row rebuilt
        # O(log n) times over its life.
        self._blocks: list[_Block] = []
        self._where: dict[int, tuple[_Block, int]] = {}
        self._tail: list[int] = []  # ids not sealed yet
        self._tail_cache: sparse.csr_matrix | None = None
        self._scratch = np.zeros(self.n_features)  # a dense query, zeroed again after each use

    # -- maintenance -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._docs

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._docs))

    def add(self, item_id: int, text: str) -> None:
        """Index one open item (replacing its text when it is indexed already)."""
        self.add_many([(item_id, text)])

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
        block, row = place
        block.alive[row] = False
        if block.live * 2 < len(block.ids):  # mostly dead: rebuild it from the survivors
            number = self._blocks.index(block)
            self._blocks[number] = self._build([int(i) for i in block.ids[block.alive]])

    def add_many(self, items: Iterable[tuple[int, str]]) -> None:
        """Index many items at once (the cog's start-up load: one hasher call, one new block)."""
        batch: dict[int, str] = {}
        for item_id, text in items:
            batch[item_id] = text
        if not batch:
            return
        for item_id in batch:
            self.remove(item_id)
        ids = list(batch)
        for item_id, doc in zip(ids, self._vectorise_many(list(batch.values())), strict=True):
            self._docs[item_id] = doc
            self._df[doc.both.indices] += 1
        self._tail.extend(ids)
        self._tail_cache = None
        if len(self._tail) >= self.tail_rows:
            self._seal()

    def _build(self, ids: list[int]) -> _Block:
        block = _Block(ids, self._docs, self.n_features)
        for row, item_id in enumerate(ids):
            self._where[item_id] = (block, row)
        return block

    def _seal(self) -> None:
        self._blocks.append(self._build(self._tail))
        self._tail = []
        self._tail_cache = None
        while len(self._blocks) >= 2 and self._blocks[-2].live <= self._blocks[-1].live * 2:
            younger, older = self._blocks.pop(), self._blocks.pop()
            ids = [int(i) for b in (older, younger) for i in b.ids[b.alive]]
            self._blocks.append(self._build(ids))

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
        return self._vectorise_many([text])[0]

    def _vectorise_many(self, texts: list[str]) -> list[_Doc]:
        """Canonical forms and hashed rows of many texts (one hasher call: the start-up load)."""
        canons = [canonical(t) for t in texts]
        hashed = self._hasher.transform([f for c in canons for f in _features(c)]).tocsr()
        hashed.sum_duplicates()
        rows = []
        for r in range(2 * len(texts)):
            start, end = hashed.indptr[r], hashed.indptr[r + 1]
            rows.append(_Row(hashed.indices[start:end].astype(np.int32),
                             1.0 + np.log(hashed.data[start:end].astype(np.float64))))
        docs = []
        for k, canon in enumerate(canons):
            word, char = rows[2 * k], rows[2 * k + 1]
            both = _merge(word, char)
            docs.append(_Doc(canon, word, char, both, both.values / _norm(both.values), canon.text))
        return docs

    def _idf(self, indices: _Ints) -> _Floats:
        n = len(self._docs)
        return np.log((1.0 + n) / (1.0 + self._df[indices])) + 1.0

    def _candidates(self, query: _Doc, want: int) -> list[int]:
        idx = query.both.indices
        df = self._df[idx]
        rare = df <= max(self.common_fraction * len(self._docs), 1)
        if rare.any():
            # Features in a fifth of all items or more barely move a ranking (their idf² is small)
            # but make most of the postings: the candidate stage skips them, the exact stage does not.
            idx = idx[rare]
            values = query.both.values[rare]
        else:
            values = query.both.values
        weights = values * self._idf(idx) ** 2
        ids: list[npt.NDArray[np.int64]] = [b.ids for b in self._blocks]
        scores: list[_Floats] = [b.scores(idx, weights) for b in self._blocks]
        if self._tail:
            dense = self._scratch
            dense[idx] = weights
            ids.append(np.array(self._tail, dtype=np.int64))
            scores.append(np.asarray(self._tail_matrix() @ dense).ravel())
            dense[idx] = 0.0
        if not ids:
            return []
        all_ids, all_scores = np.concatenate(ids), np.concatenate(scores)
        positive = all_scores > 0
        all_ids, all_scores = all_ids[positive], all_scores[positive]
        # Ties at the cut are broken by id, so the pool never depends on block layout.
        order = np.lexsort((all_ids, -all_scores))[:want]
        return [int(i) for i in all_ids[order]]

    def _tail_matrix(self) -> sparse.csr_matrix:
        """The unsealed rows, normalised like a sealed block; rebuilt only after the tail changed."""
        if self._tail_cache is None:
            docs = [self._docs[i] for i in self._tail]
            self._tail_cache = _stack([d.both.indices for d in docs], [d.unit for d in docs], self.n_features)
        return self._tail_cache

    def _cosines(self, query: _Row, rows: list[_Row]) -> _Floats:
        """Exact idf-weighted cosines of ``query`` against each row (one vectorised pass)."""
        q_w = query.values * self._idf(query.indices)
        q_norm = _norm(q_w)
        dense = self._scratch
        dense[query.indices] = q_w
        indices = np.concatenate([r.indices for r in rows])
        weighted = np.concatenate([r.values for r in rows]) * self._idf(indices)
        # An empty row (a text of filler words only) would put a start past the end: clamp, then mask.
        starts = np.minimum(np.cumsum([0] + [len(r.indices) for r in rows[:-1]]), max(len(indices) - 1, 0))
        sizes = np.array([len(r.indices) for r in rows])
        dots = np.add.reduceat(weighted * dense[indices], starts) if len(indices) else np.zeros(len(rows))
        dense[query.indices] = 0.0
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
            fuzzy = fuzz.token_set_ratio(query.text, doc.text) / 100.0
            score = w.word * word[k] + w.char * char[k] + w.fuzz * fuzzy
            if contrast_conflict(query.canon.contrasts, doc.canon.contrasts):
                score *= w.contrast_penalty
            out.append((item_id, round(min(max(float(score), 0.0), 1.0), 6)))
        return out
