#!/bin/bash
# Boot script of the aevon NAT instance (Amazon Linux 2023, arm64), run once by
# cloud-init at first boot. `infra.aws.nat_instance` fills in NAT_ENI_ID: the stable
# network interface the private route tables point at. The steps follow fck-nat
# (RaJiska/fck-nat service/fck-nat.sh: attach the static interface, turn off the
# source/destination check, masquerade out of the primary interface) and the AWS VPC
# User Guide, "NAT instances" (Amazon Linux 2023: iptables-services, ip_forward,
# MASQUERADE, an empty FORWARD chain, rules saved so a reboot keeps them).
set -euo pipefail

NAT_ENI_ID="@NAT_ENI_ID@"

imds() {
  # Instance metadata through IMDSv2 only (the launch template requires tokens).
  local token
  token="$(curl -fsS -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" \
    http://169.254.169.254/latest/api/token)"
  curl -fsS -H "X-aws-ec2-metadata-token: ${token}" \
    "http://169.254.169.254/latest/meta-data/$1"
}

region="$(imds placement/region)"
instance_id="$(imds instance-id)"
mac="$(imds mac)"
primary_eni="$(imds "network/interfaces/macs/${mac}/interface-id")"
primary_if="$(ip route show default | awk '{ print $5; exit }')"

# No remote shell: no key pair, no SSH rule in the security group, and no daemon.
systemctl disable --now sshd.service sshd.socket 2>/dev/null || true

# Replies to the private subnets leave the primary interface with internet source
# addresses: its source/destination check must be off (the static one's is off already).
aws ec2 modify-network-interface-attribute --region "${region}" \
  --network-interface-id "${primary_eni}" --no-source-dest-check

# Take over the static interface. A replaced instance may still hold it while it
# terminates, so retry until it is free.
until aws ec2 attach-network-interface --region "${region}" --instance-id "${instance_id}" \
  --device-index 1 --network-interface-id "${NAT_ENI_ID}"; do
  sleep 5
done

dnf install -y iptables-services
systemctl enable --now iptables

cat > /etc/sysctl.d/90-aevon-nat.conf <<'SYSCTL'
net.ipv4.ip_forward = 1
# Traffic from the private subnets arrives on the static interface and its replies
# go back through the primary one: no strict reverse-path filtering, no redirects.
net.ipv4.conf.all.rp_filter = 0
net.ipv4.conf.default.rp_filter = 0
net.ipv4.conf.*.rp_filter = 0
net.ipv4.conf.all.send_redirects = 0
SYSCTL
sysctl --system

iptables -t nat -A POSTROUTING -o "${primary_if}" -j MASQUERADE
iptables -F FORWARD
service iptables save
