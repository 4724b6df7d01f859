"""The Azure SDK for Python against the curator emulator (TestConformancePython).

Debian's python3-azure (azure-mgmt-compute 29, galleries at api-version
2022-03-03; azure-mgmt-authorization 3; azure-mgmt-resource; azure-identity)
with only REQUESTS_CA_BUNDLE set: it logs in with ClientSecretCredential at
the emulator's AD FS-style authority, then drives galleries, image
definitions, image versions (from a snapshot and from a managed image) and
role assignments — long-running operations, paging (the emulator serves two
items a page), empty lists, $expand=ReplicationStatus, PATCH, and a Reader
refused a write. Every step prints "ok <step>"; the first failure raises.
"""
import os
import sys

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.resource import ResourceManagementClient, SubscriptionClient

URL = os.environ["EMULATOR_URL"]
SUB = os.environ["SUBSCRIPTION"]
EMPTY_SUB = os.environ["EMPTY_SUBSCRIPTION"]
OWNER = os.environ["OWNER_ID"]
READER = os.environ["READER_ID"]
SCOPES = ["https://management.core.windows.net//.default"]
RG = "py-images"
LOCATION = "westeurope"
SNAPSHOT = "/subscriptions/%s/resourceGroups/src/providers/Microsoft.Compute/snapshots/os-disk" % SUB
MANAGED_IMAGE = "/subscriptions/%s/resourceGroups/src/providers/Microsoft.Compute/images/base" % SUB
READER_ROLE = "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7" % SUB
ASSIGNMENT = "5d2c9a7e-0b1f-4c3d-8e6f-7a8b9c0d1e2f"


def credential(client_id):
    # tenant "adfs": MSAL's AD FS authority (no public instance discovery).
    return ClientSecretCredential("adfs", client_id, "any secret", authority=URL)


def compute(cred, sub=SUB):
    return ComputeManagementClient(cred, sub, base_url=URL, credential_scopes=SCOPES, polling_interval=0.1)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def ok(step):
    print("ok", step, flush=True)


def main():
    owner = credential(OWNER)
    subs = [s.subscription_id for s in SubscriptionClient(owner, base_url=URL, credential_scopes=SCOPES).subscriptions.list()]
    check(SUB in subs, "subscriptions.list: %s, want %s" % (subs, SUB))
    ok("subscriptions.list")

    # An empty subscription: every list is empty, not an error.
    empty = compute(owner, EMPTY_SUB)
    check(list(empty.galleries.list()) == [], "galleries.list of an empty subscription")
    auth_empty = AuthorizationManagementClient(owner, EMPTY_SUB, base_url=URL, credential_scopes=SCOPES)
    check(list(auth_empty.role_assignments.list_for_subscription()) == [], "role_assignments.list_for_subscription of an empty subscription")
    ok("empty subscription")

    rm = ResourceManagementClient(owner, SUB, base_url=URL, credential_scopes=SCOPES)
    rm.resource_groups.create_or_update(RG, {"location": LOCATION})
    check(rm.resource_groups.check_existence(RG), "resource_groups.check_existence")
    ok("resource group")

    c = compute(owner)
    check(list(c.galleries.list_by_resource_group(RG)) == [], "galleries.list_by_resource_group before any gallery")
    for name in ("pyacme", "pyacme2", "pyacme3"):
        g = c.galleries.begin_create_or_update(RG, name, {"location": LOCATION, "description": "golden images", "tags": {"team": "platform"}}).result()
        check(g.provisioning_state == "Succeeded" and g.name == name, "gallery %s: %s" % (name, g))
    names = sorted(g.name for g in c.galleries.list_by_resource_group(RG))
    check(names == ["pyacme", "pyacme2", "pyacme3"], "galleries over two pages: %s" % names)
    g = c.galleries.begin_update(RG, "pyacme", {"description": "updated"}).result()
    check(g.description == "updated" and g.tags == {"team": "platform"}, "galleries.begin_update (PATCH): %s" % g)
    ok("galleries CRUD, paging, PATCH")

    image = {
        "location": LOCATION,
        "osType": "Linux", "osState": "Generalized", "hyperVGeneration": "V2", "architecture": "x64",
        "identifier": {"publisher": "Contoso", "offer": "Ubuntu", "sku": "22_04"},
        "features": [{"name": "SecurityType", "value": "TrustedLaunch"}, {"name": "DiskControllerTypes", "value": "SCSI, NVMe"}],
    }
    d = c.gallery_images.begin_create_or_update(RG, "pyacme", "ubuntu", image).result()
    check(d.hyper_v_generation == "V2" and {f.name: f.value for f in d.features}.get("SecurityType") == "TrustedLaunch", "definition: %s" % d)
    image2 = dict(image, identifier={"publisher": "Contoso", "offer": "Ubuntu", "sku": "24_04"})
    c.gallery_images.begin_create_or_update(RG, "pyacme", "ubuntu24", image2).result()
    check(sorted(i.name for i in c.gallery_images.list_by_gallery(RG, "pyacme")) == ["ubuntu", "ubuntu24"], "gallery_images.list_by_gallery")
    check(list(c.gallery_image_versions.list_by_gallery_image(RG, "pyacme", "ubuntu24")) == [], "versions of a definition without any")
    ok("image definitions with features")

    regions = {"targetRegions": [{"name": LOCATION, "regionalReplicaCount": 1}, {"name": "northeurope", "regionalReplicaCount": 2, "storageAccountType": "Standard_ZRS"}]}
    v1 = c.gallery_image_versions.begin_create_or_update(RG, "pyacme", "ubuntu", "1.0.0", {
        "location": LOCATION, "publishingProfile": regions,
        "storageProfile": {"osDiskImage": {"source": {"id": SNAPSHOT}}},
    }).result()
    check(v1.storage_profile.os_disk_image.source.id == SNAPSHOT, "version from a snapshot: %s" % v1.storage_profile)
    v2 = c.gallery_image_versions.begin_create_or_update(RG, "pyacme", "ubuntu", "1.1.0", {
        "location": LOCATION, "publishingProfile": regions, "tags": {"build": "1"},
        "storageProfile": {"source": {"id": MANAGED_IMAGE}},
    }).result()
    check(v2.storage_profile.source.id == MANAGED_IMAGE, "version from a managed image: %s" % v2.storage_profile)
    c.gallery_image_versions.begin_create_or_update(RG, "pyacme", "ubuntu", "1.2.0", {
        "location": LOCATION, "publishingProfile": {"targetRegions": [{"name": LOCATION}]},
        "storageProfile": {"source": {"id": MANAGED_IMAGE}},
    }).result()
    vs = sorted(v.name for v in c.gallery_image_versions.list_by_gallery_image(RG, "pyacme", "ubuntu"))
    check(vs == ["1.0.0", "1.1.0", "1.2.0"], "versions over two pages: %s" % vs)
    got = c.gallery_image_versions.get(RG, "pyacme", "ubuntu", "1.1.0", expand="ReplicationStatus")
    rs = got.replication_status
    check(rs is not None and rs.aggregated_state == "Completed" and sorted(s.region for s in rs.summary) == ["northeurope", "westeurope"],
          "$expand=ReplicationStatus: %s" % rs)
    upd = c.gallery_image_versions.begin_update(RG, "pyacme", "ubuntu", "1.1.0", {"tags": {"build": "2"}}).result()
    check(upd.tags == {"build": "2"} and upd.storage_profile.source.id == MANAGED_IMAGE, "versions.begin_update: %s" % upd)
    ok("image versions from a snapshot and a managed image, replication status, PATCH")

    auth = AuthorizationManagementClient(owner, SUB, base_url=URL, credential_scopes=SCOPES)
    gallery_scope = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/pyacme" % (SUB, RG)
    a = auth.role_assignments.create(gallery_scope, ASSIGNMENT, {"roleDefinitionId": READER_ROLE, "principalId": READER, "principalType": "ServicePrincipal"})
    check(a.principal_id == READER, "role_assignments.create: %s" % a)
    listed = [x.name for x in auth.role_assignments.list_for_scope(gallery_scope, filter="atScope()")]
    check(ASSIGNMENT in listed, "role_assignments.list_for_scope: %s" % listed)
    check(auth.role_assignments.get(gallery_scope, ASSIGNMENT).role_definition_id.lower() == READER_ROLE.lower(), "role_assignments.get")
    ok("role assignments")

    reader = compute(credential(READER))
    check(reader.galleries.get(RG, "pyacme").name == "pyacme", "the Reader reads the gallery")
    try:
        reader.galleries.begin_create_or_update(RG, "pyacme", {"location": LOCATION, "description": "not allowed"}).result()
        raise AssertionError("the Reader updated the gallery")
    except HttpResponseError as e:
        check(e.status_code == 403 and "AuthorizationFailed" in str(e) and "Microsoft.Compute/galleries/write" in str(e) and READER in str(e),
              "the Reader's write: %s" % e)
    auth.role_assignments.delete(gallery_scope, ASSIGNMENT)
    try:
        reader.galleries.get(RG, "pyacme")
        raise AssertionError("the Reader still reads after its assignment was deleted")
    except HttpResponseError as e:
        check(e.status_code == 403, "after the assignment's deletion: %s" % e)
    ok("a Reader service principal: reads, refused a write, refused after its assignment is deleted")

    for v in ("1.0.0", "1.1.0", "1.2.0"):
        c.gallery_image_versions.begin_delete(RG, "pyacme", "ubuntu", v).result()
    for d in ("ubuntu", "ubuntu24"):
        c.gallery_images.begin_delete(RG, "pyacme", d).result()
    for name in ("pyacme", "pyacme2", "pyacme3"):
        c.galleries.begin_delete(RG, name).result()
    check(list(c.galleries.list_by_resource_group(RG)) == [], "galleries after deleting them all")
    try:
        c.galleries.get(RG, "pyacme")
        raise AssertionError("the deleted gallery is still there")
    except ResourceNotFoundError:
        pass
    ok("deletes")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the Go test shows the output
        print("FAIL", type(e).__name__, e, file=sys.stderr)
        raise
