"""API Gateway TOKEN authorizer: bearer key -> namespace, cached by API Gateway per key.

The policy covers every route of the stage, because API Gateway caches it per token and reuses it
for the key's other requests; tenant isolation is enforced by the handlers from ``namespace``.

A missing, unknown or revoked key is answered with a Deny policy, not an exception: a bad key is
an ordinary client error, and raising would count it as a Lambda error (and fire the authorizer's
Errors alarm on every 401). API Gateway answers a Deny with its ``ACCESS_DENIED`` response, which
the template maps to 401 problem+json with ``WWW-Authenticate: Bearer``. Only a failure to check
the key (the table unavailable) raises, which API Gateway answers as ``AUTHORIZER_FAILURE`` (503).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain.keys_service import authenticate
from u22a8.observability import logger

#: The principal of a denied request: API Gateway requires one in every authorizer answer.
ANONYMOUS = "anonymous"


def _stage_wildcard(method_arn: str) -> str:
    # arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path...}
    prefix, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0]
    return f"{prefix}/{stage}/*/*"


def _policy(principal_id: str, effect: str, method_arn: str) -> dict[str, Any]:
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": effect,
                    "Resource": _stage_wildcard(method_arn),
                }
            ],
        },
    }


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    principal = authenticate(event.get("authorizationToken"))
    if principal is None:
        logger.info("request denied: missing, unknown or revoked key")
        return _policy(ANONYMOUS, "Deny", event["methodArn"])
    logger.append_keys(key_id=principal.key_id, namespace=principal.namespace)
    logger.info("request authorized")
    return {
        **_policy(principal.key_id, "Allow", event["methodArn"]),
        "context": {"namespace": principal.namespace, "key_id": principal.key_id},
    }
