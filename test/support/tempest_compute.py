"""Calls Coffer's compute face through tempest's own compute clients, which check every response
against Nova's v2.1 JSON schemas (what upstream Trove's tempest tests run against a real Nova).

Usage: tempest_compute.py AUTH_URL USER PASSWORD PROJECT SERVER_NAME
Prints one JSON object: what each call returned (the parts the caller checks).
"""
import json
import sys

from tempest.lib import auth
from tempest.lib.services.compute import availability_zone_client
from tempest.lib.services.compute import flavors_client
from tempest.lib.services.compute import limits_client
from tempest.lib.services.compute import servers_client

auth_url, user, password, project, server_name = sys.argv[1:6]
creds = auth.KeystoneV3Credentials(
    username=user, password=password, project_name=project,
    user_domain_name="Default", project_domain_name="Default")
provider = auth.KeystoneV3AuthProvider(creds, auth_url)
provider.fill_credentials()
args = (provider, "compute", "RegionOne")
servers = servers_client.ServersClient(*args)
flavors = flavors_client.FlavorsClient(*args)
zones = availability_zone_client.AvailabilityZoneClient(*args)
limits = limits_client.LimitsClient(*args)

# As upstream's test_resize asks after a resize.
listed = servers.list_servers(
    all_tenants=True, detail=True, name=server_name)["servers"]
out = {
    "servers": [{"id": s["id"], "flavor": s["flavor"]["id"], "status": s["status"]} for s in listed],
    "brief": [s["id"] for s in servers.list_servers()["servers"]],
    "shown": servers.show_server(listed[0]["id"])["server"]["name"] if listed else None,
    "flavors": sorted(f["id"] for f in flavors.list_flavors(detail=True)["flavors"]),
    "flavor": flavors.show_flavor(listed[0]["flavor"]["id"])["flavor"]["name"] if listed else None,
    "extra_specs": flavors.list_flavor_extra_specs(listed[0]["flavor"]["id"])["extra_specs"] if listed else None,
    "zones": [z["zoneName"] for z in zones.list_availability_zones(detail=True)["availabilityZoneInfo"]],
    "max_instances": limits.show_limits()["limits"]["absolute"]["maxTotalInstances"],
}
print(json.dumps(out))
