"""The aevon-guardrails policy pack (rules in `policy.rules`)."""
