"""Group syndicated copies of one story under one ``cluster_id`` with MinHash and LSH banding.

Regional portals republish national wire and press-release text with a new dateline, a cut
ending or a different headline. Such copies share most of their word 3-shingles, so their
Jaccard similarity stays high while unrelated stories on the same topic stay low. A 128-bin
one-permutation MinHash signature estimates that similarity; 32 bands of 4 rows make copies with Jaccard above
about 0.45 collide in at least one band, and a candidate joins the cluster only when its
estimated similarity reaches ``threshold``. The cluster id is the id of the first article seen
in the cluster, so it is stable across crawls once the index is rebuilt from the store.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
_EMPTY = (1 << 64) - 1
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, k: int = 3) -> set[int]:
    """64-bit hashes of the word k-shingles of a text (lowercased)."""
    words = _WORD.findall(text.lower())
    if len(words) < k:
        words = words + [""] * (k - len(words))
    return {
        int.from_bytes(hashlib.blake2b(" ".join(words[i : i + k]).encode(), digest_size=8).digest(), "little")
        for i in range(len(words) - k + 1)
    }


def signature(text: str) -> tuple[int, ...]:
    """One-permutation MinHash: one hash per shingle, binned into NUM_PERM bins, min per bin.

    This needs one pass over the shingles instead of NUM_PERM (Li, Owen & Zhang 2012), which is what
    keeps near-duplicate grouping cheap next to extraction. Empty bins borrow the value of the next
    non-empty bin to their right (rotation densification, Shrivastava & Li 2014) so that short texts
    still compare bin by bin.
    """
    bins = [_EMPTY] * NUM_PERM
    for h in shingles(text):
        b, v = h % NUM_PERM, h // NUM_PERM
        if v < bins[b]:
            bins[b] = v
    if all(v == _EMPTY for v in bins):
        return tuple(bins)
    out = list(bins)
    for i in range(NUM_PERM):
        if out[i] == _EMPTY:
            j, hops = i, 0
            while bins[j] == _EMPTY:
                j, hops = (j + 1) % NUM_PERM, hops + 1
            out[i] = bins[j] + hops * _EMPTY  # offset by distance, so borrowed values differ from real ones
    return tuple(out)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    return sum(x == y for x, y in zip(a, b, strict=True)) / NUM_PERM


@dataclass
class ClusterIndex:
    """An in-memory LSH index of recent articles: id → (signature, cluster id)."""

    threshold: float = 0.5
    _sigs: dict[str, tuple[tuple[int, ...], str]] = field(default_factory=dict)
    _bands: list[dict[tuple[int, ...], list[str]]] = field(default_factory=lambda: [{} for _ in range(BANDS)])

    def __len__(self) -> int:
        return len(self._sigs)

    def add(self, article_id: str, sig: tuple[int, ...], cluster_id: str) -> None:
        if article_id in self._sigs:
            return
        self._sigs[article_id] = (sig, cluster_id)
        for band, table in zip(self._band_keys(sig), self._bands, strict=True):
            table.setdefault(band, []).append(article_id)

    def match(self, sig: tuple[int, ...], exclude: str = "") -> tuple[str, float] | None:
        """The best-matching earlier article's cluster and its similarity, if any passes the threshold."""
        best: tuple[str, float] | None = None
        seen: set[str] = set()
        for band, table in zip(self._band_keys(sig), self._bands, strict=True):
            for other in table.get(band, ()):
                if other in seen or other == exclude:
                    continue
                seen.add(other)
                other_sig, cluster = self._sigs[other]
                sim = similarity(sig, other_sig)
                if sim >= self.threshold and (best is None or sim > best[1]):
                    best = (cluster, sim)
        return best

    def assign(self, article_id: str, text: str) -> tuple[str, float]:
        """Cluster id for a new article (joining the best match or founding its own), and the similarity."""
        if article_id in self._sigs:
            return self._sigs[article_id][1], 1.0
        sig = signature(text)
        found = self.match(sig, exclude=article_id)
        cluster, sim = found if found else (article_id, 0.0)
        self.add(article_id, sig, cluster)
        return cluster, sim

    @staticmethod
    def _band_keys(sig: tuple[int, ...]) -> Iterable[tuple[int, ...]]:
        return (sig[i * ROWS : (i + 1) * ROWS] for i in range(BANDS))
