"""Scoring texts with a fitted model's artifact in pure Python (no numpy, no I/O).

The score handler imports only this package, so its cold start does not pay for numpy: the
artifact ``u22a8.training`` writes (a zip of ``.npy`` arrays) is read with the standard library
and scored sparsely, one text's few hundred non-zero features at a time. ``u22a8.training`` builds
on the numpy-free pieces defined here (the hashed feature space and the training parameters), so
both sides turn a text into the same columns by construction.
"""
