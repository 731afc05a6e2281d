"""API Gateway TOKEN authorizer: bearer key -> namespace, cached by API Gateway per key.

The policy allows every route of the stage, because API Gateway caches it per token and reuses it
for the key's other requests; tenant isolation is enforced by the handlers from ``namespace``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain.keys_service import authenticate
from u22a8.observability import logger


def _stage_wildcard(method_arn: str) -> str:
    # arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path...}
    prefix, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0]
    return f"{prefix}/{stage}/*/*"


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    principal = authenticate(event.get("authorizationToken"))
    if principal is None:
        logger.info("request denied: missing, unknown or revoked key")
        # This exact message makes API Gateway answer 401 (not 403).
        raise PermissionError("Unauthorized")
    logger.append_keys(key_id=principal.key_id, namespace=principal.namespace)
    logger.info("request authorized")
    return {
        "principalId": principal.key_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": _stage_wildcard(event["methodArn"]),
                }
            ],
        },
        "context": {"namespace": principal.namespace, "key_id": principal.key_id},
    }
