"""pulumi-policy objects built from `policy.rules` (importable: nothing is served here)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.rules import (
    RULES,
    STACK_RULES,
    Rule,
    StackRule,
    Subject,
    is_protected,
    provider_tags,
    repository_waivers,
    waived,
)

LEVELS = {"advisory": EnforcementLevel.ADVISORY, "mandatory": EnforcementLevel.MANDATORY}


def _subject(resource: Any, provider_props: Any) -> Subject:
    tags = provider_tags(provider_props)
    dependencies = {
        key: [dep.urn for dep in deps]
        for key, deps in (getattr(resource, "property_dependencies", None) or {}).items()
    }
    parent = getattr(resource, "parent", None)
    return Subject(
        type=resource.resource_type,
        name=resource.name,
        urn=resource.urn,
        props=resource.props,
        protect=bool(resource.opts.protect),
        protected_stack=is_protected(tags),
        provider_tags=tags,
        parent_urn=parent.urn if parent is not None else None,
        dependencies=dependencies,
    )


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if waived(rule, args.urn, repository_waivers()):
            return  # security-waivers.yaml accepts it, with its reason
        provider = args.provider.props if args.provider is not None else None
        for message in rule.violations(_subject(args, provider)):
            report_violation(f"[{rule.severity}] {message}", None)

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        enforcement_level=LEVELS[rule.enforcement],
        validate=validate,
    )


def _stack_policy(rule: StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        subjects = [
            _subject(r, r.provider.props if r.provider is not None else None)
            for r in args.resources
        ]
        for urn, message in rule.violations(subjects):
            if not waived(rule, urn, repository_waivers()):
                report_violation(f"[{rule.severity}] {message}", urn)

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        enforcement_level=LEVELS[rule.enforcement],
        validate=validate,
    )


def policies() -> list[Policy]:
    """Every rule of the pack as a pulumi-policy policy."""
    return [*(_resource_policy(r) for r in RULES), *(_stack_policy(r) for r in STACK_RULES)]
