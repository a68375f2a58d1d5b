"""The three embedding sets (classifier, word2vec, GloVe): opening, comparing, benchmarking, plotting."""

from inksight.pipelines.extras import require

# Every command, page and call that opens an embedding set imports this package first (nothing
# on the core's paths does, `inksight --help` included): without the lab extra (gensim, GloVe,
# plots) it stops here with the one sentence saying what to install.
require("lab")
