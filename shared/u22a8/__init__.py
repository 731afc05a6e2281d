"""u22a8 models API: the domain package shared by every Lambda function (shipped as a layer).

Layers, in one direction only:
``u22a8.api`` (HTTP mapping) -> ``u22a8.domain`` (rules, pure where possible) -> ``u22a8.data``
(the only code that talks to AWS).
"""
