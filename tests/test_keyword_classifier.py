"""The local classifier on labelled queries as customers type them (tests/data/pain_points/).

The development sets were written to tune the rules; the held-out set, by another writer, never
was: its accuracy is the figure docs/metrics.md reports, and the floors below keep it.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest

from backend.app.analytics.pain_points import keyword_rules, text_cues_batch
from backend.app.analytics.pain_points._cue_scan import Scanner
from backend.app.analytics.pain_points.keyword_rules import RULES, classify_batch, classify_text
from backend.app.analytics.pain_points.text_cues import cue_bits, cues_of, lexicon
from backend.app.analytics.pain_points.text_cues_batch import cue_bits_batch
from backend.app.analytics.pain_points.text_tolerance import tolerance
from backend.app.analytics.pain_points.trade_vocabulary import Cue

DATA = Path(__file__).parent / "data" / "pain_points"
METRICS = Path(__file__).parents[1] / "docs" / "metrics.md"
CLUSTERS = range(5)
# The figures the rules reach on the held-out set: 377 of 395 (95.4%; 376 before the tolerance
# below), the lowest recall 61 of 68 (pump recommendations, 89.7%). They may rise, never fall.
HELD_OUT_CORRECT = 377
HELD_OUT_RECALL_FLOOR = 0.89
# The blind set: queries "as they appear in real logs" by an annotator who saw only GUIDELINES.md,
# never the rules nor the other sets (295 of the 300 they wrote: 5 were in another set word for
# word). 281 right (95.3%) before the tolerance for words one edit off the vocabulary or run
# together, 282 (95.6%) with it ("pumpseal"); the floors were set when the set was added.
BLIND_CORRECT = 282
BLIND_ACCURACY_FLOOR = 0.90
BLIND_RECALL_FLOOR = 0.80
# On the sets they were tuned on.
DEVELOPMENT_CORRECT = {"dev_a": 610, "dev_b": 486, "dev_c": 432, "tidy": 112}
SPANISH = frozenset(
    ["bomba", "cartucho", "cartuchos", "tienen", "tierra", "filtro", "alberca", "necesito", "hay"]
)

Labelled = list[tuple[int, str, str]]


def labelled(name: str) -> Labelled:
    """Return (cluster, product, query) of tests/data/pain_points/`name`.tsv."""
    rows = []
    for line in (DATA / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            cluster, product, query = line.split("\t")
            rows.append((int(cluster), product, query))
    return rows


def confusion(rows: Labelled) -> list[list[int]]:
    """Return matrix[truth][predicted] over `rows`."""
    matrix = [[0] * len(CLUSTERS) for _ in CLUSTERS]
    for truth, _, query in rows:
        matrix[truth][classify_text(query)] += 1
    return matrix


def report(name: str, rows: Labelled, matrix: list[list[int]]) -> str:
    """Return the accuracy, the recall per cluster and the confusion matrix, for the log."""
    correct = sum(matrix[i][i] for i in CLUSTERS)
    lines = [
        f"{name}: {correct} of {len(rows)} ({correct / len(rows):.1%}); rows truth, cols guess"
    ]
    for truth in CLUSTERS:
        row = matrix[truth]
        recall = row[truth] / sum(row)
        lines.append(f"  {truth}: " + " ".join(f"{n:4d}" for n in row) + f"   recall {recall:.2f}")
    return "\n".join(lines)


def test_the_sets_cover_what_customers_type() -> None:
    # At least 800 queries, both products, every cluster, some Spanish, in every set.
    sets = {name: labelled(name) for name in ("dev_a", "dev_b", "dev_c", "heldout")}
    assert sum(len(rows) for rows in sets.values()) >= 800
    for rows in sets.values():
        assert {product for _, product, _ in rows} == {"pool", "landscape"}
        per_cluster = Counter(cluster for cluster, _, _ in rows)
        assert min(per_cluster[cluster] for cluster in CLUSTERS) >= 50
        spanish = sum(1 for _, _, query in rows if SPANISH & set(query.lower().split()))
        assert spanish >= 0.03 * len(rows)
    # No query is in two sets: the held-out figure measures queries never tuned on.
    queries = [query.lower() for rows in sets.values() for _, _, query in rows]
    assert len(queries) == len(set(queries))


def test_held_out_accuracy_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    rows = labelled("heldout")
    matrix = confusion(rows)
    with capsys.disabled():
        print("\n" + report("held-out", rows, matrix))
    assert sum(matrix[i][i] for i in CLUSTERS) >= HELD_OUT_CORRECT
    for truth in CLUSTERS:
        assert matrix[truth][truth] / sum(matrix[truth]) >= HELD_OUT_RECALL_FLOOR


def test_blind_accuracy_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    rows = labelled("heldout_blind")
    assert len(rows) == 295
    # None of its queries is in another set.
    others = {q.lower() for name in (*DEVELOPMENT_CORRECT, "heldout") for _, _, q in labelled(name)}
    assert not others & {query.lower() for _, _, query in rows}
    matrix = confusion(rows)
    with capsys.disabled():
        print("\n" + report("blind", rows, matrix))
    correct = sum(matrix[i][i] for i in CLUSTERS)
    assert correct >= BLIND_CORRECT
    assert correct / len(rows) >= BLIND_ACCURACY_FLOOR
    for truth in CLUSTERS:
        assert matrix[truth][truth] / sum(matrix[truth]) >= BLIND_RECALL_FLOOR


@pytest.mark.parametrize(
    ("token", "cues"),
    [
        # Two vocabulary words run together: a pump and a part.
        ("pumpseal", Cue.PUMP | Cue.PART),
        # One letter dropped from a long word the vocabulary does not misspell itself.
        ("replacment", Cue.REPLACE),
        # Another form of a listed word (a letter more at its end) is not taken for it.
        ("replacess", Cue.NONE),
        # Names and places are no words of the trade.
        ("jonathan", Cue.NONE),
        # Too short to tolerate an edit: "seel" could be "seal", "see", "feel".
        ("seel", Cue.NONE),
    ],
)
def test_words_the_vocabulary_does_not_list_exactly(token: str, cues: Cue) -> None:
    assert Cue(tolerance().bits(token)) == cues


def test_a_very_long_token_is_no_word_and_costs_nothing() -> None:
    # 200,000 letters: its deletions alone would be 40 GB. Too long to be one edit off a word
    # or two words run together, it is not looked at (nor remembered), whatever it begins with.
    for token in ("q" * 200_000, "pumpseal" * 25_000, "replacment" + "x" * 199_990):
        started = time.perf_counter()
        assert Cue(tolerance().bits(token)) == Cue.NONE
        assert time.perf_counter() - started < 0.1
    # And a query holding one is labelled as the same query without it, one by one and in a batch.
    query = "my pump seal leaks " + "q" * 200_000
    assert (
        classify_batch([query]) == [classify_text(query)] == [classify_text("my pump seal leaks")]
    )


@pytest.mark.parametrize("name", sorted(DEVELOPMENT_CORRECT))
def test_development_accuracy(name: str) -> None:
    matrix = confusion(labelled(name))
    assert sum(matrix[i][i] for i in CLUSTERS) >= DEVELOPMENT_CORRECT[name]


@pytest.mark.parametrize(
    ("text", "coded"),
    [
        ("Do you have SP2610X15 in stock?", True),
        ("price on EC-40 and R0357800", True),
        ("is 355029 available", True),
        ("is 39-0057 available", True),
        ("sp 1600 fg got any", True),  # a part number typed in pieces
        ("part # 62312 how many", True),  # five digits after a part marker
        ("GLX-PCB-RITE avail", True),  # a letter code
        ("5004PC backordered?", True),  # digits then letters that are no unit
        ("status of order 4410982", False),
        ("placed an order #1148823", False),
        ("nearest branch to 33410", False),
        ("best heat pump for a 15x30 pool, 1.5hp", False),
        ("how much shock for 20000 gallons", False),
        ("call me back at 555-2291", False),
    ],
)
def test_part_number_shapes(text: str, coded: bool) -> None:
    assert bool(cues_of(text) & Cue.PART_NUMBER) is coded


# The cues a token's shape gives, as opposed to the vocabulary's.
SHAPE_CUES = Cue.PART_NUMBER | Cue.BARE_NUMBER | Cue.CARTRIDGE_CODE | Cue.PUMP


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("SP2610X15", Cue.PART_NUMBER),  # letters and two digits or more
        ("EC-40", Cue.PART_NUMBER),  # four characters or more, a digit and a dash
        ("PGP-ADJ", Cue.PART_NUMBER),  # no digit, but a dashed piece of 2-4 letters, no vowel
        ("5004PC", Cue.PART_NUMBER),  # digits, then letters that are no unit
        ("355029", Cue.PART_NUMBER),  # a bare number of six to nine digits: a SKU
        ("1234567890", Cue.NONE),  # ten digits: too long for a SKU
        ("4950", Cue.BARE_NUMBER),  # three to five digits that measure nothing
        ("12", Cue.NONE),  # two digits: a count, a size
        ("1000 gallons", Cue.NONE),  # a unit after a number makes it a measure
        ("20,000", Cue.NONE),  # "20 000": the "000" of a thousand, no code
        ("1234567890,000", Cue.BARE_NUMBER),  # "000" after more than three digits is a number
        ("sp 1600", Cue.PART_NUMBER),  # a part number typed in pieces
        ("sku 15x30", Cue.PART_NUMBER),  # a size is a part only after a part marker
        ("15x30", Cue.NONE),  # otherwise it is a size
        ("call 555-2291", Cue.NONE),  # a phone number: no part, though "555-2291" alone is one
        ("order C-4950", Cue.CARTRIDGE_CODE),  # a cartridge code is one whatever comes before
        ("PA50 or 7CH-975", Cue.CARTRIDGE_CODE),  # Pleatco and Magnum cross-references
        ("1.5hp", Cue.PUMP),  # "5hp": a horsepower
        ("10am 2nd", Cue.NONE),  # a time and an ordinal: units, no code
        ("ñandú 4950", Cue.BARE_NUMBER),  # a text beyond ASCII is read the same way
    ],
)
def test_token_shapes(text: str, cue: Cue) -> None:
    # The number-token rules one by one, on texts where no vocabulary entry gives these cues.
    assert cues_of(text) & SHAPE_CUES == cue


@pytest.mark.parametrize(
    ("text", "cluster"),
    [
        # A phrase stands for its tokens: a heat pump is no pump.
        ("heat pump is icing up on the coil", 0),
        # "de" is DE in English, "of" in Spanish, unless written in capitals.
        ("de filter pressure climbs after backwash", 4),
        ("filtro de arena, cuantas bolsas ocupo", 2),
        ("Para hacer el backwash del filtro DE, cuanto tiempo lo dejo correr", 4),
        # Misspellings of long words count as the words.
        ("availible SPX3200", 3),
        ("cartrige for a jandy cs100", 2),
    ],
)
def test_readings(text: str, cluster: int) -> None:
    assert classify_text(text) == cluster


def test_same_text_same_cluster() -> None:
    # Deterministic: the rules depend on the text alone.
    text = "Do you have SPX3200 in stock?"
    assert {classify_text(text) for _ in range(3)} == {3}


def test_decisions_follow_the_rules_as_declared() -> None:
    # `decide` reads the rules as plain ints; `Rule.holds` reads them as declared, with Cue
    # arithmetic. They agree on every set of one or two cues and on 20,000 random sets (each
    # cue in about a quarter of them), where any reorder or mistyped set that changes a decision
    # picks another cluster for some set.
    cues = [int(cue) for cue in Cue if cue]
    rng = random.Random(28)
    sets = [0, *cues, *(a | b for a in cues for b in cues)]
    sets += [rng.getrandbits(len(cues)) & rng.getrandbits(len(cues)) for _ in range(20_000)]
    for bits in sets:
        declared = next(rule.cluster for rule in RULES if rule.holds(bits))
        assert keyword_rules.decide(bits) == declared, Cue(bits)


def test_every_rule_is_documented() -> None:
    # docs/metrics.md lists the decision list rule by rule, with each rule's reason.
    documented = METRICS.read_text(encoding="utf-8")
    missing = [rule.reason for rule in RULES if rule.reason not in documented]
    assert missing == []


CORPORA = sorted(path.stem for path in DATA.glob("*.tsv"))


@pytest.mark.parametrize("name", CORPORA)
def test_batch_reads_every_corpus_as_one_text_at_a_time(name: str) -> None:
    queries = [query for _, _, query in labelled(name)]
    assert cue_bits_batch(queries) == [cue_bits(query) for query in queries]
    assert classify_batch(queries) == [classify_text(query) for query in queries]


@pytest.mark.parametrize("size", [1, 2, 7, 25, 100])
def test_batch_reads_small_batches_alike(size: int) -> None:
    queries = [query for name in CORPORA for _, _, query in labelled(name)]
    expected = [classify_text(query) for query in queries]
    got = [
        cluster
        for start in range(0, len(queries), size)
        for cluster in classify_batch(queries[start : start + size])
    ]
    assert got == expected


TRICKY = [
    "",  # no token at all: the automaton reads "  "
    " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f ",  # only whitespace, of every ASCII kind
    "heat\npump is icing",  # a newline inside a text is a space, not the break between texts
    "heat  pump, heat,pump heat\tpump",  # a phrase across any run of spaces and separators
    "pump\x00 \x00pump \x7f",  # control characters that are no whitespace stay in tokens
    "sp\n1600 fg",  # a part marker on the line before the number still reads as before it
    "order\x0c12345\x0bthanks",  # an order number between form feed and vertical tab
    "20\x1e000 gallons",  # the "000" of "20,000" split by a record separator
    "12345",  # a number alone: no token before or after it
    "1.5hp 12345 C-4950 5004PC",  # shapes side by side: each token's neighbours are codes
    "necesito filtro DE",  # Spanish with "DE" in capitals: the original case decides, DE
    "NECESITO FILTRO DE",  # Spanish all in capitals: "de" is "of", no DE
    "necesito filtro de",  # Spanish "of"
    "necesito filtro de arena DEL",  # "DE" inside a word in capitals: still Spanish "of"
    "necesito filtro de arena 2DE",  # a digit is a word character: no "DE" after it either
    "de filter grids",  # "de" in English: DE
    "necesito filtro DE, ñandú 4950",  # beyond ASCII: read alone, among ASCII texts
    "PUMP " * 2000,  # a long text
    "-" * 50,  # dashes alone: a token with marks and no digit
    # Numbers are remembered by their digits' places ("order  00000  thanks"), unless a token
    # with digits is a vocabulary word: "w3sp" is a part marker, "w4sp" is not.
    "w4sp 1234",
    "w3sp 1234",
    "order 12345 thanks",
    "order 67890 thanks",
]


def test_batch_reads_tricky_texts() -> None:
    # Each text alone, all together, and each between all the others in both orders.
    batches = [[text] for text in TRICKY] + [TRICKY, TRICKY[::-1]]
    batches += [[*TRICKY, text, *TRICKY] for text in TRICKY]
    for batch in batches:
        assert cue_bits_batch(batch) == [cue_bits(text) for text in batch]
        assert classify_batch(batch) == [classify_text(text) for text in batch]


def _made_up_texts(count: int, seed: int) -> list[str]:
    """Return texts of the lexicon's own tokens and phrases, near words, numbers and codes.

    Pieces are drawn so that phrases overlap and nest ("heat pump" beside "pump seal"), words
    run together or lose a letter, numbers sit beside part markers, units and one another, and
    any separator, whitespace, capital or accented letter may come between them.
    """
    draw = random.Random(seed)
    entries = sorted(lexicon().cues)
    tokens = sorted({token for entry in entries for token in entry.split()})
    long_words = [token for token in tokens if len(token) >= 7 and token.isalpha()]
    between = [" ", "  ", ", ", "-", "/", "#", ".", "\t", "\n", "\x0b", "?! ", "'", " \u00e9 "]

    def piece() -> str:
        kind = draw.randrange(10)
        if kind < 3:
            return draw.choice(tokens)
        if kind < 5:
            return draw.choice(entries).strip()
        if kind == 5:
            word = draw.choice(long_words)
            cut = draw.randrange(len(word))
            return word[:cut] + word[cut + 1 :]
        if kind == 6:
            return draw.choice(long_words) + draw.choice(tokens)
        if kind == 7:
            return str(draw.randrange(10 ** draw.randrange(1, 11)))
        if kind == 8:
            return (
                draw.choice(["sp", "c-", "ec-", "pa", "fc", "7ch-", "r", ""])
                + str(draw.randrange(10, 100_000))
                + draw.choice(["", "hp", "k", "x", "-in", "pc", "gpm"])
            )
        return draw.choice(["DE", "de", "filtro", "bomba", "order", "zip", "#", "part #"])

    texts = []
    for _ in range(count):
        words = [piece() for _ in range(draw.randrange(0, 12))]
        text = "".join(word + draw.choice(between) for word in words)
        texts.append(text.upper() if draw.random() < 0.1 else text)
    return texts


@pytest.mark.parametrize("seed", range(4))
def test_batch_reads_made_up_texts_as_one_text_at_a_time(seed: int) -> None:
    texts = _made_up_texts(5_000, seed)
    assert cue_bits_batch(texts) == [cue_bits(text) for text in texts]
    assert classify_batch(texts) == [classify_text(text) for text in texts]


def test_clusters_are_decided_by_the_decision_given() -> None:
    # The scanner remembers decisions for one decision function: given another, it forgets
    # them, and the texts beyond ASCII are decided by it too.
    texts = _made_up_texts(2_000, seed=11)
    for decide in (lambda bits: bits % 7, lambda bits: bits % 5, keyword_rules.decide):
        expected = bytes(decide(cue_bits(text)) for text in texts)
        assert text_cues_batch.clusters_batch(texts, decide) == expected


def test_scanner_reads_alike_however_few_shapes_it_remembers() -> None:
    # A scanner that remembers two code shapes empties its memo again and again: what it reads
    # stays what the scanner of the batches above reads, which reads as each text alone.
    texts = _made_up_texts(2_000, seed=9)
    forgetful = text_cues_batch.build_scanner(shapes_remembered=2)
    assert forgetful.scan(texts) == text_cues_batch.scanner().scan(texts)


def test_scanner_works_on_its_own_copy_of_the_texts() -> None:
    # A decision function that empties the caller's list mid-batch changes nothing read (a
    # fresh scanner asks it at the batch's first text).
    texts = [text for text in _made_up_texts(200, seed=12) if text.isascii()]
    expected = [classify_text(text) for text in texts]
    batch = list(texts)

    def emptying(bits: int) -> int:
        batch.clear()
        return keyword_rules.decide(bits)

    assert list(text_cues_batch.build_scanner().clusters(batch, emptying)) == expected
    assert batch == []


def test_scanner_refuses_a_second_call_while_it_scans() -> None:
    # A callback that scans again would share the scanner's buffers: it is refused instead.
    scanner = text_cues_batch.build_scanner()

    def scanning_again(bits: int) -> int:
        scanner.scan(["pump"])
        return 0

    with pytest.raises(RuntimeError, match="one call at a time"):
        scanner.clusters(["pump seal"], scanning_again)
    # The refused call left it ready for the next.
    assert list(scanner.clusters(["pump seal"], keyword_rules.decide)) == [
        classify_text("pump seal")
    ]


def test_scanner_not_initialised_raises_instead_of_reading() -> None:
    scanner = Scanner.__new__(Scanner)
    with pytest.raises(RuntimeError, match="not initialised"):
        scanner.scan(["pump"])


def test_scanner_reads_alike_after_a_text_of_megabytes() -> None:
    # The buffers grown for a text of 2 MB are let go after it; the next texts read as before.
    texts = ["sp1600 heat pump " * 120_000, *_made_up_texts(500, seed=13)]
    assert cue_bits_batch(texts) == [cue_bits(text) for text in texts]
    assert cue_bits_batch(texts[1:]) == [cue_bits(text) for text in texts[1:]]


def test_empty_batch() -> None:
    assert cue_bits_batch([]) == []
    assert classify_batch([]) == []
