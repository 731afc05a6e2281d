"""The patches every process that serves moto needs, applied in one call.

Kept apart from ``local.patches`` (the list and its version guard), which the patched modules
import: applying them from there would make the guard import what it guards.
"""

from __future__ import annotations

from local import moto_fidelity, moto_speed


def apply_emulator_patches() -> None:
    """The patches every process that serves moto needs (the local stack, the SAM CLI stack, the
    tests): atomic DynamoDB requests, per-item transaction backups, item values written without
    moto's per-member search, stops that wait for starts and that no Wait state misses."""
    moto_fidelity.serialize_dynamodb()
    moto_fidelity.stop_waits_for_start()
    moto_fidelity.wait_sees_stop()
    moto_speed.item_level_transaction_rollback()
    moto_speed.wire_form_attribute_values()
