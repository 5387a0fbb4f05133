"""The Sigma pipeline of the issue-15 sources (soc/detect/pipelines/sources.yml and the dataset lists it extends):
each SigmaHQ log source converts to a query pinned to the right datasets, without contradictory conditions."""

from __future__ import annotations

import pytest
from sigma.collection import SigmaCollection

from soc.detect.backend import DuckDBBackend
from soc.detect.pipeline import ecs_pipeline

RULE = """
title: t
logsource: {logsource}
detection:
  selection: {selection}  # a list: keywords over event.original
  condition: selection
"""

CASES = [
    ("{product: linux, service: auditd}", "{type: EXECVE, a0: chattr}", ["'auditd.log'", '"auditd.log.a0"',
                                                                          '"auditd.log.record_types"']),
    ("{product: linux, category: process_creation}", "{Image|endswith: /base64}",
     ["'auditd.log'", "'executed'", '"process.executable"']),
    ("{product: linux, category: file_event}", "{TargetFilename: /etc/doas.conf}", ["'PATH'", '"file.path"']),
    ("{product: linux}", "[x]", ["'system.syslog'", "'auditd.log'"]),
    ("{product: linux, service: vsftpd}", "[x]", ["'system.syslog'"]),
    ("{category: firewall}", "{dst_port: 3389, action: deny}",
     ["'cisco_asa.log'", "'panw.panos'", "'windows_firewall.log'", '"destination.port"']),
    ("{category: ids, product: suricata}", "{signature|contains: log4j}", ["'suricata.eve'", '"rule.name"']),
    ("{product: cisco, service: aaa}", "[write memory]", ["'cisco_asa.log'"]),
    ("{product: jvm, category: application}", "[InitialContext]", ["'wso2.carbon'", "'keycloak.log'"]),
    ("{product: spring, category: application}", "[x]", ["'apache_tomcat.access'"]),
    ("{category: dns}", "{query: evil.example}", ["'suricata.eve'", "'network.pcap'", '"dns.question.name"']),
    ("{category: proxy}", "{c-uri-extension: exe}", ["'squid.access'", "'suricata.eve'", '"url.extension"']),
    ("{category: webserver}", "{cs-method: POST}", ["'apache_tomcat.access'", "'nginx.access'"]),
]


def _sql(logsource: str, selection: str) -> str:
    text = RULE.format(logsource=logsource, selection=selection).replace("[x]", "[x]")
    text = text.replace("selection: {keywords: ", "selection: [").replace("InitialContext}", "InitialContext]")
    text = text.replace("write memory}", "write memory]")
    (rule,) = SigmaCollection.from_yaml(text).rules
    return DuckDBBackend(ecs_pipeline()).convert_rule(rule)[0]


@pytest.mark.parametrize(("logsource", "selection", "expected"), CASES, ids=[c[0] for c in CASES])
def test_log_source_pinned_to_its_datasets(logsource, selection, expected):
    sql = _sql(logsource, selection)
    for part in expected:
        assert part in sql, sql
    assert sql.count('"event.dataset"') <= 5  # one dataset condition (a list of ORed values), never two ANDed


def test_linux_network_connection_is_neither_the_capture_nor_syslog():
    """A Linux network_connection rule is about the host's own log (Sysmon for Linux), never the packet capture
    (issue 19: the capture pipeline applies to its own product only) nor syslog lines."""
    sql = _sql("{product: linux, category: network_connection}", "{DestinationPort: 4444}")
    assert "'network.pcap'" not in sql and "'system.syslog'" not in sql
