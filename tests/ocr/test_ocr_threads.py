"""Thread counts are the program's: ``set_threads`` sets them, once, for torch and OpenCV."""

from __future__ import annotations

import cv2
import pytest
import torch

from inksight.ocr import OcrError, set_threads


@pytest.fixture
def restore_threads():
    """The test process's own counts come back, whatever the test set."""
    saved = torch.get_num_threads(), cv2.getNumThreads()
    yield
    torch.set_num_threads(saved[0])
    cv2.setNumThreads(saved[1])


def test_set_threads_sets_torch_and_opencv_for_the_process(restore_threads):
    set_threads(1)
    assert (torch.get_num_threads(), cv2.getNumThreads()) == (1, 1)
    set_threads(2)
    assert (torch.get_num_threads(), cv2.getNumThreads()) == (2, 2)


def test_set_threads_refuses_zero_in_one_sentence(restore_threads):
    before = torch.get_num_threads(), cv2.getNumThreads()
    with pytest.raises(OcrError, match="at least 1, not 0"):
        set_threads(0)
    assert (torch.get_num_threads(), cv2.getNumThreads()) == before
