"""TrOCR: the recogniser, its lean greedy decoder, the onnxruntime encoder, and published configurations."""
