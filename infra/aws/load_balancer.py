"""`PublicLoadBalancer`: the one internet-facing entry to the ECS services.

The only security group in the stack that admits internet traffic: 443 (and 80,
which only redirects to 443). With TLS off (allowed only where config says so)
80 forwards instead. Every request is logged to the access-log bucket it is
handed. Paths route to target groups as the blueprint's `ROUTES` say: `/api/*`
to the api, every other path (`/health` included) to web. Each
target group probes its own service's health-check path (`/health`) on the
container port. Targets are reached only on their container ports, from this
load balancer's security group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.alarms import AlarmTopics, metric_alarm
from infra.aws.security_groups import admit_clients, security_group
from infra.blueprint import Route, Service
from infra.config import Severity, TlsConfig

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True, kw_only=True)
class PublicLoadBalancerArgs:
    """What the `PublicLoadBalancer` is built from.

    - `vpc_id`; `subnet_ids`: the public subnets (an ALB needs two AZs or more).
    - `routes`: service -> `Route` (container port, path patterns, health-check
      path), the blueprint's `ROUTES`; exactly one route has no path patterns and
      is the default. `target_security_group_ids`: service -> its workload group,
      opened on the route's port to the load balancer only.
    - `tls`: the `compute.tls` section (an ACM certificate ARN, or a host name in a
      Route 53 zone to issue one for), or None for plain HTTP on 80.
    - `access_logs_bucket`: the S3 bucket the ALB writes its access logs to (one that
      lets Elastic Load Balancing write, `AccessLogBucket`).
    - `alarm_topics`: the stack's alarm topics (5xx responses page, slow responses
      notify); `protect`: the ALB's deletion protection;
      `response_time_alarm_seconds`: the p95 target response time (seconds) that
      alarms.

    Raises ValueError ("PublicLoadBalancerArgs: ...") unless exactly one route is
    the default, or when a routed service has no security group.
    """

    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    routes: Mapping[Service, Route]
    target_security_group_ids: Mapping[Service, pulumi.Input[str]]
    tls: TlsConfig | None
    access_logs_bucket: pulumi.Input[str]
    alarm_topics: AlarmTopics
    protect: bool = False
    response_time_alarm_seconds: float = 1.0

    def __post_init__(self) -> None:
        problems = []
        defaults = [s.value for s, route in self.routes.items() if not route.path_patterns]
        if len(defaults) != 1:
            problems.append(f"exactly one route must be the default route, got {defaults}")
        unplaced = [s.value for s in self.routes if s not in self.target_security_group_ids]
        if unplaced:
            problems.append(f"no security group for {', '.join(unplaced)}")
        if problems:
            raise ValueError("PublicLoadBalancerArgs: " + "; ".join(problems))


class PublicLoadBalancer(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    url: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    target_group_arns: dict[Service, pulumi.Output[str]]
    arn_suffix: pulumi.Output[str]

    def __init__(
        self, name: str, args: PublicLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:compute:PublicLoadBalancer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        sg = security_group(
            f"{name}-sg", vpc_id=args.vpc_id, description="public load balancer", parent=self
        )
        open_ports = [443, 80] if args.tls else [80]
        for port in open_ports:
            purpose = (
                "redirect to HTTPS" if args.tls and port == 80 else "HTTP(S) from the internet"
            )
            for family, cidr in (("ipv4", "0.0.0.0/0"), ("ipv6", "::/0")):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-in-{port}-{family}",
                    security_group_id=sg.id,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_ipv4=cidr if family == "ipv4" else None,
                    cidr_ipv6=cidr if family == "ipv6" else None,
                    description=f"{port}: {purpose}",
                    opts=child,
                )

        lb = aws.lb.LoadBalancer(
            f"{name}-alb",
            name=naming.physical_name(name, max_length=32),
            load_balancer_type="application",
            internal=False,
            subnets=args.subnet_ids,
            security_groups=[sg.id],
            drop_invalid_header_fields=True,
            desync_mitigation_mode="strictest",
            enable_deletion_protection=args.protect,
            idle_timeout=60,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=args.access_logs_bucket, enabled=True
            ),
            opts=child,
        )

        target_groups: dict[Service, aws.lb.TargetGroup] = {}
        for service, route in args.routes.items():
            target_groups[service] = aws.lb.TargetGroup(
                f"{name}-{service}-tg",
                name=naming.physical_name(f"{service}", max_length=32),
                target_type="ip",
                protocol="HTTP",
                port=route.port,
                vpc_id=args.vpc_id,
                deregistration_delay=30,
                health_check=aws.lb.TargetGroupHealthCheckArgs(
                    path=route.health_check_path,
                    matcher="200",
                    interval=15,
                    healthy_threshold=2,
                    unhealthy_threshold=3,
                    timeout=5,
                ),
                opts=child,
            )
            # The target admits the load balancer on its port, and only it.
            admit_clients(
                f"{name}-{service}",
                security_group_id=args.target_security_group_ids[service],
                clients={"load-balancer": sg.id},
                port=route.port,
                service=service,
                parent=self,
            )

        default_name = next(n for n, t in args.routes.items() if not t.path_patterns)
        forward_default = [
            aws.lb.ListenerDefaultActionArgs(
                type="forward", target_group_arn=target_groups[default_name].arn
            )
        ]
        if args.tls:
            certificate_arn = self._certificate(name, args.tls, lb)
            serving = aws.lb.Listener(
                f"{name}-https",
                load_balancer_arn=lb.arn,
                port=443,
                protocol="HTTPS",
                ssl_policy=TLS_POLICY,
                certificate_arn=certificate_arn,
                default_actions=forward_default,
                opts=child,
            )
            aws.lb.Listener(
                f"{name}-http-redirect",
                load_balancer_arn=lb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[
                    aws.lb.ListenerDefaultActionArgs(
                        type="redirect",
                        redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                            protocol="HTTPS", port="443", status_code="HTTP_301"
                        ),
                    )
                ],
                opts=child,
            )
            scheme = "https"
        else:
            serving = aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=lb.arn,
                port=80,
                protocol="HTTP",
                default_actions=forward_default,
                opts=child,
            )
            scheme = "http"

        # ECS refuses a target group that no listener routes to yet: each target group
        # ARN is handed out only once its route (rule, or the default action) exists.
        routed: dict[Service, pulumi.Output[str]] = {default_name: serving.arn}
        priority = 10
        for service, route in args.routes.items():
            if not route.path_patterns:
                continue
            rule = aws.lb.ListenerRule(
                f"{name}-{service}-rule",
                listener_arn=serving.arn,
                priority=priority,
                conditions=[
                    aws.lb.ListenerRuleConditionArgs(
                        path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(
                            values=list(route.path_patterns)
                        )
                    )
                ],
                actions=[
                    aws.lb.ListenerRuleActionArgs(
                        type="forward", target_group_arn=target_groups[service].arn
                    )
                ],
                opts=child,
            )
            routed[service] = rule.arn
            priority += 10

        self._alarms(name, args, lb)

        host = args.tls.host_name if args.tls and args.tls.host_name else None
        self.arn = lb.arn
        self.dns_name = lb.dns_name
        self.url = pulumi.Output.concat(f"{scheme}://", host if host else lb.dns_name)
        self.security_group_id = sg.id
        self.target_group_arns = {
            n: pulumi.Output.all(tg.arn, routed[n]).apply(lambda v: str(v[0]))
            for n, tg in target_groups.items()
        }
        self.arn_suffix = lb.arn_suffix
        self.register_outputs({"dnsName": self.dns_name, "url": self.url})

    def _certificate(self, name: str, tls: TlsConfig, lb: aws.lb.LoadBalancer) -> pulumi.Input[str]:
        if tls.certificate_arn is not None:
            return tls.certificate_arn
        child = pulumi.ResourceOptions(parent=self)
        zone = aws.route53.get_zone_output(
            name=tls.zone_name, private_zone=False, opts=pulumi.InvokeOptions(parent=self)
        )
        certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=str(tls.host_name),
            validation_method="DNS",
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=False),
        )
        validation_record = aws.route53.Record(
            f"{name}-certificate-validation-record",
            zone_id=zone.zone_id,
            name=certificate.domain_validation_options[0].resource_record_name,
            type=certificate.domain_validation_options[0].resource_record_type,
            records=[certificate.domain_validation_options[0].resource_record_value],
            ttl=300,
            allow_overwrite=True,
            opts=child,
        )
        validation = aws.acm.CertificateValidation(
            f"{name}-certificate-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[validation_record.fqdn],
            opts=child,
        )
        aws.route53.Record(
            f"{name}-alias",
            zone_id=zone.zone_id,
            name=str(tls.host_name),
            type="A",
            aliases=[
                aws.route53.RecordAliasArgs(
                    name=lb.dns_name, zone_id=lb.zone_id, evaluate_target_health=True
                )
            ],
            opts=child,
        )
        return validation.certificate_arn

    def _alarms(self, name: str, args: PublicLoadBalancerArgs, lb: aws.lb.LoadBalancer) -> None:
        dimensions = {"LoadBalancer": lb.arn_suffix}
        metric_alarm(
            f"{name}-5xx",
            parent=self,
            description="load balancer and target 5xx responses above 10 a minute",
            topics=args.alarm_topics,
            severity=Severity.PAGING,
            metric_queries=[
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id=metric_id,
                    return_data=False,
                    metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                        namespace="AWS/ApplicationELB",
                        metric_name=metric,
                        dimensions=dimensions,
                        period=60,
                        stat="Sum",
                    ),
                )
                for metric_id, metric in (
                    ("elb", "HTTPCode_ELB_5XX_Count"),
                    ("target", "HTTPCode_Target_5XX_Count"),
                )
            ]
            + [
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="errors", expression="FILL(elb, 0) + FILL(target, 0)", return_data=True
                )
            ],
            evaluation_periods=3,
            threshold=10,
            comparison="GreaterThanThreshold",
        )
        metric_alarm(
            f"{name}-response-time",
            parent=self,
            description=f"p95 target response time above {args.response_time_alarm_seconds}s",
            topics=args.alarm_topics,
            severity=Severity.NOTIFY,
            namespace="AWS/ApplicationELB",
            metric_name="TargetResponseTime",
            dimensions=dimensions,
            extended_statistic="p95",
            evaluation_periods=5,
            threshold=args.response_time_alarm_seconds,
            comparison="GreaterThanThreshold",
        )
