"""Claims and Spool: the working memory of long passes (an import of a million rows)."""

from hypothesis import given
from hypothesis import strategies as st

from custsvc.scratch import Claims, Spool


def naive(batches):
    """What every claim should answer: a dict of first owners, one pair at a time."""
    first, answers = {}, []
    for batch in batches:
        found = {}
        for i, (value, owner) in enumerate(batch):
            earlier = first.setdefault(value, owner)
            if earlier != owner:
                found[i] = earlier
        answers.append(found)
    return answers


pairs = st.lists(st.tuples(st.sampled_from("abcdefghij"), st.integers(0, 5)), max_size=12)


@given(st.lists(pairs, max_size=6), st.integers(0, 8))
def test_claims_answer_as_a_dict_would_in_memory_and_on_disk(batches, limit):
    claims = Claims(limit=limit)
    try:
        assert [claims.claim(batch) for batch in batches] == naive(batches)
    finally:
        claims.close()


def test_claims_move_to_disk_past_their_limit_and_keep_earlier_owners():
    claims = Claims(limit=3)
    assert claims.claim([("C-1", 1), ("C-2", 2)]) == {}
    assert claims._disk is None
    assert claims.claim([("C-3", 3), ("C-4", 4)]) == {}
    assert claims._disk is not None and claims._memory == {}
    assert claims.claim([("C-5", 5), ("C-2", 6), ("C-5", 7)]) == {1: 2, 2: 5}
    claims.close()


def test_a_spool_gives_its_batches_back_in_order_in_memory_and_on_disk():
    for size in (1 << 20, 64):  # the second rolls over to a file at once
        spool = Spool(max_size=size)
        batches = [[(n, f"row {n}", None)] * 50 for n in range(5)]
        for batch in batches:
            spool.add(batch)
        assert list(spool) == batches and list(spool) == batches  # read twice: the same
        spool.close()
