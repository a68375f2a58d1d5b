"""Word vectors: one ``WordVectors`` object over every file format, and fast analogy scoring."""
