from tests.helpers import GatewayClient


def test_create_get_patch_archive(api: GatewayClient) -> None:
    created = api.post("/v1/models", {"handle": "acme.support-tone", "criteria": ["Clarity", "Flow"]})
    assert created.status == 201, created.body
    print(created.headers, created.json())
    got = api.get("/v1/models/acme.support-tone")
    assert got.status == 200
    patched = api.patch("/v1/models/acme.support-tone", {"description": "x", "auto_prune": {"keep_unnamed": 5}},
                        headers={"If-Match": got.header("ETag")})
    assert patched.status == 200, patched.body
    print(patched.json())
    listed = api.get("/v1/models")
    assert listed.status == 200, listed.body
    print(listed.json())
    archived = api.delete("/v1/models/acme.support-tone")
    assert archived.status == 200, archived.body
    bad = api.patch("/v1/models/acme.support-tone", {"state": "ready", "foo": 1})
    print(bad.status, bad.json())
