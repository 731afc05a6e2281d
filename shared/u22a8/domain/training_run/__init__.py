"""The training workflow's steps (``statemachine/training.asl.json``), one function per state.

``fitting`` holds the steps that compute (they import numpy through ``u22a8.training``);
``outcome`` the ones that only record (publish, prune, record failure), so those stay light.
Payloads in and out carry ids, S3 keys, params, metrics and counts, never sample text: Step
Functions keeps every payload in the execution history.
"""
