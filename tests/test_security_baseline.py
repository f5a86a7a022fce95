"""The security baseline on the real stacks: what each stack file asks for is what it gets,
and the program stops fighting what the rotation owns."""

from __future__ import annotations

from offline.engine import Inventory, stack_file
from offline.scan.terraform_plan import convert
from policy import waivers


def _security(stack: str) -> dict:
    return stack_file(stack)["config"]["aevon:security"]


def test_the_load_balancer_always_writes_access_logs_to_its_bucket(inventory: Inventory) -> None:
    lb = inventory.by_name("public-alb")
    bucket = inventory.by_name("public-logs-bucket")
    assert lb.input("accessLogs") == {"bucket": bucket.input("bucket"), "enabled": True}
    expiry = _security(inventory.stack)["accessLogs"]["expireDays"]
    (rule,) = inventory.by_name("public-logs-lifecycle").input("rules")
    assert rule["expiration"] == {"days": expiry}


def test_the_waf_is_there_exactly_where_config_enables_it(inventory: Inventory) -> None:
    waf = _security(inventory.stack)["waf"]
    associations = inventory.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")
    if not waf["enabled"]:
        assert associations == []
        return
    (association,) = associations
    lb = inventory.by_name("public-alb")
    assert association.input("resourceArn") == lb.outputs["arn"]
    (acl,) = inventory.of_type("aws:wafv2/webAcl:WebAcl")
    rate = next(r for r in acl.input("rules") if r["name"] == "rate-limit")
    assert rate["statement"]["rateBasedStatement"]["limit"] == waf["rateLimit"]


def test_the_database_is_backed_up_where_config_enables_it(inventory: Inventory) -> None:
    backup = _security(inventory.stack)["backup"]
    selections = inventory.of_type("aws:backup/selection:Selection")
    if not backup["enabled"]:
        assert selections == []
        return
    (selection,) = selections
    assert selection.input("resources") == [inventory.by_name("database-cluster").outputs["arn"]]
    (plan,) = inventory.of_type("aws:backup/plan:Plan")
    assert plan.input("rules")[0]["lifecycle"] == {"deleteAfter": backup["retentionDays"]}


def test_the_cache_token_rotates_and_the_program_leaves_it_to_the_rotation(
    inventory: Inventory,
) -> None:
    secret = inventory.by_name("cache-auth-secret")
    (schedule,) = inventory.of_type("aws:secretsmanager/secretRotation:SecretRotation")
    assert schedule.input("secretId") == secret.outputs["arn"]
    clients = stack_file(inventory.stack)["config"]["aevon:cache"]["clients"]
    fn = inventory.by_name("cache-rotation-fn")
    redeployed = fn.input("environment")["variables"]["CLIENT_SERVICES"].split(",")
    names = {str(svc.input("name")) for svc in inventory.of_type("aws:ecs/service:Service")}
    wanted = sorted(n for n in names if n.rsplit("-app-", 1)[-1] in clients)
    assert len(wanted) == len(clients)
    assert redeployed == wanted, (
        "every service that reads the token is redeployed before the old one goes"
    )
    group = inventory.by_name("cache-group")
    assert "authToken" in group.ignore_changes
    value = inventory.by_name("cache-auth-secret-value")
    assert {"secretString", "versionStages"} <= set(value.ignore_changes)


def test_every_stack_converts_to_a_plan_and_the_waiver_file_is_valid(
    inventories: dict[str, Inventory],
) -> None:
    entries = waivers.load(known_stacks=list(inventories))
    assert len(entries) <= 25, "the waiver file stays small: fix before you waive"
    for inventory in inventories.values():
        assert convert(inventory).urns
