"""The three embedding sets (classifier, word2vec, GloVe): opening, comparing, benchmarking, plotting."""
