"""The texts' analysis in two processes gives what one process gives."""

import os

import numpy as np
import pytest

from knotenpunkt.lib.forked import Forked
from knotenpunkt.synergies import text

TEXTS = [
    "Der Weltladen verkauft fair gehandelten Kaffee aus Burkina Faso.",
    "Klimaschutzprojekte in Burkina Faso und Bildungsarbeit an Schulen",
    "",
    "Bürgerinitiative für Klimaschutz, Schulen und fairen Handel",
    "Migrantenorganisation: Beratung, Kultur, Sprachkurse – Ελληνικά und Русский",
    "Schule mit Partnerschaft nach Ghana; Projekte zum Wasser",
    "Kirchengemeinde: Partnerschaft mit Tansania, fairer Kaffee",
    "Schulen, Schule, Projekte, Projekt",
] * 3


@pytest.mark.parametrize("chunk", [1, 2, 5])
def test_half_of_the_texts_read_in_a_forked_process_give_the_same_vocabulary_and_rows(chunk):
    one = text._Analysed(TEXTS, chunk=chunk).finish()
    two = text._Analysed(TEXTS, chunk=chunk, parallel=True)
    assert two._child is not None  # the second half really was read elsewhere
    two.finish()
    assert two.words == one.words
    assert two.word_ids.tolist() == one.word_ids.tolist()
    assert two.doc_of.tolist() == one.doc_of.tolist()
    sequential = text.start_fit_transform(TEXTS, parallel=False).finish()
    parallel = text.PendingFit(text._Analysed(TEXTS, chunk=chunk, parallel=True), text.MAX_DF).finish()
    assert parallel[0].index == sequential[0].index
    assert parallel[0].surface == sequential[0].surface
    assert np.array_equal(parallel[0].idf, sequential[0].idf)
    assert (parallel[1] != sequential[1]).nnz == 0


def test_an_error_in_the_forked_process_is_raised_here():
    def broken(*_args):
        raise ValueError("kaputt")

    pending = Forked(broken)
    with pytest.raises(RuntimeError, match="kaputt"):
        pending.result()


def test_when_this_process_fails_the_forked_one_is_stopped_not_left_waiting(monkeypatch):
    analysed = text._Analysed(TEXTS, chunk=2, parallel=True)
    child = analysed._child.pid

    def broken(*_args):
        raise ValueError("kaputt")

    monkeypatch.setattr(text, "_tokenise", broken)
    with pytest.raises(ValueError, match="kaputt"):
        analysed.finish()
    with pytest.raises(ChildProcessError):  # already reaped: nothing left of it
        os.waitpid(child, os.WNOHANG)
