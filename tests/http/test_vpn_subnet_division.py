"""Subnet division: each client of a server gets its own subnets and addresses."""

import ipaddress

import pytest
from django.core.exceptions import ValidationError

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs
from django_netjsonconfig.vpn import servers as vpns

from ..factories import TemplateFactory, make_config
from ..helpers import archive_files
from ..signal_helpers import catch_signal
from ..vpn_helpers import WIREGUARD, client_of, make_vpn, make_vpn_template

pytestmark = pytest.mark.django_db

RULE = {
    "division_label": "lan",
    "division_master_subnet": "10.100.0.0/16",
    "division_size": 24,
    "division_number_of_subnets": 2,
    "division_number_of_ips": 3,
}


def lan_template():
    return TemplateFactory(
        name="lan",
        config={
            "interfaces": [
                {
                    "name": "lan",
                    "type": "ethernet",
                    "addresses": [
                        {
                            "proto": "static",
                            "family": "ipv4",
                            "address": "{{ lan_subnet2_ip1 }}",
                            "mask": 24,
                        }
                    ],
                }
            ]
        },
        default_values={"lan_subnet2_ip1": "192.168.1.1"},
    )


def test_each_client_gets_its_block_of_subnets_and_addresses_as_variables(
    django_capture_on_commit_callbacks,
):
    vpn = make_vpn(WIREGUARD, **RULE)
    template = make_vpn_template(vpn)
    first = make_config(templates=[template])

    with catch_signal(signals.subnet_provisioned, django_capture_on_commit_callbacks) as sent:
        second = make_config(templates=[template, lan_template()])

    values = configs.context_service.merge(configs.variable_layers(second))
    assert values["lan_subnet1"] == "10.100.2.0/24"
    assert values["lan_subnet2"] == "10.100.3.0/24"
    assert values["lan_subnet2_ip1"] == "10.100.3.1"
    assert values["lan_subnet1_ip3"] == "10.100.2.3"
    assert "lan_subnet1_ip4" not in values
    assert values["lan_prefixlen"] == "24"
    first_values = configs.context_service.merge(configs.variable_layers(first))
    assert first_values["lan_subnet1"] == "10.100.0.0/24"

    provisioned = sent.one()
    assert provisioned.instance == client_of(second)
    assert provisioned.provisioned["subnets"] == [
        ipaddress.ip_network("10.100.2.0/24"),
        ipaddress.ip_network("10.100.3.0/24"),
    ]
    assert len(provisioned.provisioned["ip_addresses"]) == 6
    network = archive_files(bytes(second.archive))["etc/config/network"]
    assert "10.100.3.1" in network


def test_a_full_master_subnet_is_a_clear_error():
    vpn = make_vpn(WIREGUARD, **dict(RULE, division_master_subnet="10.100.0.0/23"))
    template = make_vpn_template(vpn)
    make_config(templates=[template])  # takes both /24
    config = make_config()

    with pytest.raises(ValidationError, match="has no room for another client"):
        configs.validate(config, [template], device=config.device)
    configs.save(config, templates=[template])
    config.refresh_from_db()
    assert config.status == "error" and "no room for another client" in config.error_reason
    assert not get_model("vpnclient").objects.filter(config=config).exists()


def test_a_freed_block_is_given_again():
    vpn = make_vpn(WIREGUARD, **RULE)
    template = make_vpn_template(vpn)
    first = make_config(templates=[template])
    make_config(templates=[template])
    configs.save(first, templates=[])
    third = make_config(templates=[template])
    assert client_of(third).division_index == 0


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"division_label": "9lan"}, "division_label"),
        ({"division_size": 8}, "division_size"),
        ({"division_number_of_ips": 300}, "division_number_of_ips"),
        ({"division_master_subnet": "10.100.0.1/16"}, "division_master_subnet"),
    ],
)
def test_an_invalid_rule_is_refused(changes, field):
    with pytest.raises(ValidationError) as caught:
        make_vpn(WIREGUARD, **dict(RULE, **changes))
    assert field in caught.value.message_dict


def test_the_rule_cannot_shrink_once_clients_have_their_subnets():
    vpn = make_vpn(WIREGUARD, **RULE)
    make_config(templates=[make_vpn_template(vpn)])
    vpn.division_size = 25
    with pytest.raises(ValidationError, match="Cannot be changed"):
        vpns.save(vpn)
    vpn.refresh_from_db()
    vpn.division_number_of_ips = 2
    with pytest.raises(ValidationError, match="Can only grow"):
        vpns.save(vpn)
