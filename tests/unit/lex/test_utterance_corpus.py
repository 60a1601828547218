"""The bot understands how people say things: a corpus of at least 300 utterances we wrote, none a
sample utterance, classified by the Lex emulator with the real code hook at 95 % or better."""

from __future__ import annotations

from tests.unit.lex.corpus import CLARIFY, load_corpus, normalised, sample_utterances, score_corpus

MIN_ACCURACY = 0.95
MIN_LINES = 300
MIN_PER_LABEL = 0.7  # a floor: no kind of request may be neglected for the average


def test_the_corpus_has_at_least_300_lines_and_every_label_is_an_answer_the_bot_gives() -> None:
    corpus = load_corpus()
    assert len(corpus) >= MIN_LINES
    labels = {label for _, label in corpus}
    intents = {"CheckBalance", "MakePayment", "TalkToAgent", "RequestCallback", "FallbackIntent"}
    assert labels == intents | {CLARIFY}


def test_no_corpus_line_is_a_sample_utterance_or_a_repeat() -> None:
    said = [normalised(line) for line, _ in load_corpus()]
    assert sorted(set(said) & sample_utterances()) == []
    assert len(set(said)) == len(said)


def test_the_bot_classifies_the_corpus_with_at_least_95_percent_accuracy() -> None:
    score = score_corpus()
    print("\n".join(score.lines()))
    assert score.accuracy >= MIN_ACCURACY, "\n".join(score.lines())


def test_every_kind_of_request_is_understood_not_just_the_common_ones() -> None:
    """A bot that is good on average but poor at one intent still fails those callers."""
    for label, (right, count) in score_corpus().per_label.items():
        assert right / count >= MIN_PER_LABEL, f"{label}: {right}/{count}"
