// Drives curator's emulator with the official Azure SDK for JavaScript,
// exactly as an application would drive Azure: default api-versions, the
// SDK's own long-running-operation pollers and pagers, TLS trusted only
// through NODE_EXTRA_CA_CERTS. Run by the Go test TestConformanceJS with
// EMULATOR_URL, SUBSCRIPTION, OWNER_TOKEN, READER_TOKEN and READER_ID.
import assert from "node:assert/strict";
import { ComputeManagementClient } from "@azure/arm-compute";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ResourceManagementClient } from "@azure/arm-resources";

const { EMULATOR_URL: endpoint, SUBSCRIPTION: sub, OWNER_TOKEN, READER_TOKEN, READER_ID } = process.env;
for (const [k, v] of Object.entries({ EMULATOR_URL: endpoint, SUBSCRIPTION: sub, OWNER_TOKEN, READER_TOKEN, READER_ID })) {
  if (!v) throw new Error(`${k} is not set`);
}

// A static credential: no network to Entra ID.
const credential = (token) => ({
  getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }),
});
const poll = { updateIntervalInMs: 50 };
const rg = "conformance";
const loc = "westeurope";

const owner = {
  compute: new ComputeManagementClient(credential(OWNER_TOKEN), sub, { endpoint }),
  auth: new AuthorizationManagementClient(credential(OWNER_TOKEN), sub, { endpoint }),
  resources: new ResourceManagementClient(credential(OWNER_TOKEN), sub, { endpoint }),
};
const reader = new ComputeManagementClient(credential(READER_TOKEN), sub, { endpoint });

async function all(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}
async function step(name, fn) {
  await fn();
  console.log(`ok   ${name}`);
}

await step("resource group create (arm-resources)", async () => {
  const g = await owner.resources.resourceGroups.createOrUpdate(rg, { location: loc });
  assert.equal(g.name, rg);
});

await step("gallery create, get, update (LRO)", async () => {
  const g = await owner.compute.galleries.createOrUpdate(rg, "conf", { location: loc, description: "conformance" }, poll);
  assert.equal(g.provisioningState, "Succeeded");
  assert.equal((await owner.compute.galleries.get(rg, "conf")).description, "conformance");
  const u = await owner.compute.galleries.update(rg, "conf", { description: "updated", tags: { k: "v" } }, poll);
  assert.equal(u.description, "updated");
  assert.deepEqual(u.tags, { k: "v" });
});

await step("image definition create, get, update (LRO)", async () => {
  const d = await owner.compute.galleryImages.createOrUpdate(rg, "conf", "linux", {
    location: loc, osType: "Linux", osState: "Generalized", hyperVGeneration: "V2",
    identifier: { publisher: "Contoso", offer: "Conf", sku: "S1" },
  }, poll);
  assert.equal(d.hyperVGeneration, "V2");
  const u = await owner.compute.galleryImages.update(rg, "conf", "linux", { description: "def", osType: "Linux", osState: "Generalized" }, poll);
  assert.equal(u.description, "def");
});

const source = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/images/base`;
await step("image versions create (LRO until replicated), $expand=ReplicationStatus", async () => {
  for (let i = 0; i < 3; i++) {
    const v = await owner.compute.galleryImageVersions.createOrUpdate(rg, "conf", "linux", `1.0.${i}`, {
      location: loc,
      publishingProfile: { replicaCount: 1, targetRegions: [{ name: loc, regionalReplicaCount: 2 }, { name: "eastus" }] },
      storageProfile: { source: { id: source } },
    }, poll);
    assert.equal(v.provisioningState, "Succeeded");
  }
  const v = await owner.compute.galleryImageVersions.get(rg, "conf", "linux", "1.0.0", { expand: "ReplicationStatus" });
  assert.equal(v.replicationStatus.aggregatedState, "Completed");
  assert.deepEqual(v.replicationStatus.summary.map((s) => s.region).sort(), ["eastus", "westeurope"]);
  assert.equal(v.storageProfile.source.id, source);
});

await step("image version update (LRO)", async () => {
  const u = await owner.compute.galleryImageVersions.update(rg, "conf", "linux", "1.0.1", {
    publishingProfile: { excludeFromLatest: true, targetRegions: [{ name: loc }] },
  }, poll);
  assert.equal(u.publishingProfile.excludeFromLatest, true);
  assert.deepEqual(u.publishingProfile.targetRegions.map((r) => r.name), [loc]);
});

await step("lists page through nextLink", async () => {
  // The emulator serves pages of 2 in this test: 3 versions are 2 pages.
  const versions = await all(owner.compute.galleryImageVersions.listByGalleryImage(rg, "conf", "linux"));
  assert.deepEqual(versions.map((v) => v.name), ["1.0.0", "1.0.1", "1.0.2"]);
  assert.equal((await all(owner.compute.galleries.listByResourceGroup(rg))).length, 1);
  assert.equal((await all(owner.compute.galleries.list())).length, 1);
  assert.equal((await all(owner.compute.galleryImages.listByGallery(rg, "conf"))).length, 1);
});

await step("sharing profile add, remove, reset (LRO), on a gallery created for direct sharing", async () => {
  const other = "11111111-2222-3333-4444-555555555555";
  await owner.compute.galleries.beginCreateOrUpdateAndWait(rg, "shared", { location: loc, sharingProfile: { permissions: "Groups" } }, poll);
  await owner.compute.gallerySharingProfile.update(rg, "shared", { operationType: "Add", groups: [{ type: "Subscriptions", ids: [other] }] }, poll);
  // The groups come back only when asked for, as the service does.
  let g = await owner.compute.galleries.get(rg, "shared");
  assert.equal(g.sharingProfile.permissions, "Groups");
  assert.equal(g.sharingProfile.groups, undefined);
  g = await owner.compute.galleries.get(rg, "shared", { select: "Permissions" });
  assert.deepEqual(g.sharingProfile.groups, [{ type: "Subscriptions", ids: [other] }]);
  await owner.compute.gallerySharingProfile.update(rg, "shared", { operationType: "Remove", groups: [{ type: "Subscriptions", ids: [other] }] }, poll);
  await owner.compute.gallerySharingProfile.update(rg, "shared", { operationType: "Reset" }, poll);
  g = await owner.compute.galleries.get(rg, "shared");
  assert.equal(g.sharingProfile.permissions, "Private");
  await owner.compute.galleries.beginDeleteAndWait(rg, "shared", poll);
});

const galleryScope = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/conf`;
const assignment = "5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b";
await step("role assignment create, get, list (arm-authorization)", async () => {
  const defs = await all(owner.auth.roleDefinitions.list(galleryScope, { filter: "roleName eq 'Compute Gallery Image Reader'" }));
  assert.equal(defs.length, 1);
  const a = await owner.auth.roleAssignments.create(galleryScope, assignment, {
    roleDefinitionId: defs[0].id, principalId: READER_ID, principalType: "User",
  });
  assert.equal(a.principalId, READER_ID);
  assert.equal((await owner.auth.roleAssignments.get(galleryScope, assignment)).scope, galleryScope);
  const listed = await all(owner.auth.roleAssignments.listForScope(galleryScope));
  assert.ok(listed.some((x) => x.name === assignment));
});

await step("the assignment grants the reader exactly its role", async () => {
  const v = await reader.galleryImageVersions.get(rg, "conf", "linux", "1.0.0");
  assert.equal(v.name, "1.0.0");
  await assert.rejects(
    reader.galleryImageVersions.update(rg, "conf", "linux", "1.0.0", { tags: { x: "y" } }, poll),
    (e) => e.statusCode === 403 && e.code === "AuthorizationFailed" && e.message.includes("Microsoft.Compute/galleries/images/versions/write"),
  );
  await owner.auth.roleAssignments.delete(galleryScope, assignment);
  await assert.rejects(reader.galleryImageVersions.get(rg, "conf", "linux", "1.0.0"), (e) => e.statusCode === 403);
});

await step("deletes (LRO), children first as the service requires", async () => {
  await assert.rejects(owner.compute.galleries.delete(rg, "conf", poll), (e) => e.statusCode === 409);
  for (const v of ["1.0.0", "1.0.1", "1.0.2"]) await owner.compute.galleryImageVersions.delete(rg, "conf", "linux", v, poll);
  await owner.compute.galleryImages.delete(rg, "conf", "linux", poll);
  await owner.compute.galleries.delete(rg, "conf", poll);
  await assert.rejects(owner.compute.galleries.get(rg, "conf"), (e) => e.statusCode === 404 && e.code === "ResourceNotFound");
});

console.log("conformance: all steps passed");
