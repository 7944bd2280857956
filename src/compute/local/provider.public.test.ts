// Public addresses for real: a network namespace plays another machine on the network, and
// connects to what the provider exposes on the public address it gave an instance.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { CofferError } from "../../domain/index.js";
import { freePort, run, silentLogger } from "../../lib/index.js";
import { cleanupLocalRoot, startTestNetwork, type TestNetwork } from "../testing.js";
import type { ComputeProvider } from "../types.js";
import { ipToInt, parsePublicPool } from "./addresses.js";
import { createLocalProvider } from "./provider.js";
import { tableOf } from "./public.js";
import { randomPool, tempRoot, uniqueCgroupParent } from "./test-support.js";

const isRoot = process.getuid?.() === 0;
const code = (c: string) => (err: unknown) => err instanceof CofferError && err.code === c;

describe("local provider, public addresses", { skip: !isRoot && "needs root (addresses, nftables)" }, () => {
  let dir = "";
  let net: TestNetwork;
  let provider: ComputeProvider;
  const cgroupParent = uniqueCgroupParent();
  const servers: Server[] = [];
  const make = () =>
    createLocalProvider({
      rootDir: join(dir, "root"),
      addressPool: randomPool(),
      cgroupParent,
      volumeMode: "directory",
      publicAddressPool: net.publicPool,
      publicInterface: net.hostInterface,
      logger: silentLogger(),
    });

  /**
   * A listener standing in for an engine: answers "hi" on every address of the host. An engine's
   * starts after its instance is provisioned (a port held on every address before would keep the
   * provision from leasing any address for it).
   */
  const listen = async (port = 0): Promise<number> => {
    const server = createServer((s) => s.end("hi"));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, "0.0.0.0", resolve));
    return (server.address() as { port: number }).port;
  };

  /** What the other machine gets when it connects: "hi", or the error code. */
  const fromOutside = async (host: string, port: number): Promise<string> => {
    const script = `const s=require("node:net").connect(${port},${JSON.stringify(host)});let d="";
s.setTimeout(1500,()=>{console.log("TIMEOUT");process.exit(0)});
s.on("data",(b)=>d+=b).on("end",()=>{console.log(d);process.exit(0)}).on("error",(e)=>{console.log(e.code);process.exit(0)});`;
    return (await net.run(process.execPath, ["-e", script])).stdout.trim();
  };

  const onInterface = async (address: string) =>
    (await run("ip", ["-4", "-o", "addr", "show", "dev", net.hostInterface])).stdout.includes(
      ` ${address}/32 `,
    );
  const hasTable = async (id: string) => (await run("nft", ["list", "table", "ip", tableOf(id)])).code === 0;

  before(async () => {
    dir = await tempRoot("public");
    net = await startTestNetwork();
    provider = make();
  });
  after(async () => {
    for (const s of servers) s.close();
    await cleanupLocalRoot(join(dir, "root"), cgroupParent);
    await net.close();
    await run("rm", ["-rf", dir]);
  });

  test("the probe finds the interface and nftables", async () => {
    const caps = await provider.probe();
    assert.equal(caps.publicAddresses, true, caps.notEnforced.join("; "));
  });

  test("a public instance is reachable from outside on its port only, from allowed CIDRs only", async () => {
    const port = await freePort();
    const other = await listen();
    const placed = await provider.provision({
      instanceId: "pub1",
      volumeSizeGb: 1,
      ramMb: 64,
      vcpus: 1,
      isPublic: true,
      allowedCidrs: [`${net.clientAddress}/32`],
      ports: [port],
    });
    await listen(port);
    const pub = placed.publicAddress!;
    const range = parsePublicPool(net.publicPool);
    assert.ok(ipToInt(pub) >= range.first && ipToInt(pub) <= range.last, pub);
    assert.ok(await onInterface(pub));
    assert.equal(await fromOutside(pub, port), "hi", "the engine's port, from an allowed address");
    assert.equal(await fromOutside(pub, other), "ECONNREFUSED", "any other port of the host is closed there");
    assert.equal(
      await fromOutside(net.hostAddress, other),
      "hi",
      "(the same service, on the host's own address)",
    );
    assert.notEqual(await fromOutside(placed.address, port), "hi", "the private address stays on the host");

    const narrowed = await provider.setAccess("pub1", {
      isPublic: true,
      allowedCidrs: ["10.0.0.0/8"],
      ports: [port],
    });
    assert.equal(narrowed.publicAddress, pub, "the address stays while the instance stays public");
    assert.equal(await fromOutside(pub, port), "ECONNREFUSED", "not from an address outside allowed_cidrs");

    const open = await provider.setAccess("pub1", { isPublic: true, allowedCidrs: [], ports: [port] });
    assert.equal(open.publicAddress, pub);
    assert.equal(await fromOutside(pub, port), "hi", "no CIDRs: anyone");
  });

  test("going private takes the address and its filter away; a reboot's losses come back on adopt", async () => {
    const port = await freePort();
    const access = { isPublic: true, allowedCidrs: [], ports: [port] };
    const placed = await provider.provision({
      instanceId: "pub2",
      volumeSizeGb: 1,
      ramMb: 64,
      vcpus: 1,
      ...access,
    });
    await listen(port);
    const pub = placed.publicAddress!;

    // What a reboot loses: the address and the filter (kernel state).
    await run("ip", ["-4", "addr", "del", `${pub}/32`, "dev", net.hostInterface]);
    await run("nft", ["delete", "table", "ip", tableOf("pub2")]);
    const adopted = await make().adopt();
    assert.equal(adopted.find((a) => a.placement.instanceId === "pub2")?.problem, undefined);
    assert.ok(await onInterface(pub), "the address is back");
    assert.ok(await hasTable("pub2"), "the filter is back");

    const priv = await provider.setAccess("pub2", { ...access, isPublic: false });
    assert.equal(priv.publicAddress, undefined);
    assert.equal(priv.isPublic, false);
    assert.ok(!(await onInterface(pub)));
    assert.ok(!(await hasTable("pub2")));
    assert.notEqual(await fromOutside(pub, port), "hi");
    assert.deepEqual(
      (await provider.list()).find((p) => p.instanceId === "pub2")?.publicAddress,
      undefined,
      "recorded",
    );
  });

  test("destroy removes the address, the filter and the lease", async () => {
    const placed = await provider.provision({
      instanceId: "pub3",
      volumeSizeGb: 1,
      ramMb: 64,
      vcpus: 1,
      isPublic: true,
      ports: [5432],
    });
    await provider.destroy("pub3");
    assert.ok(!(await onInterface(placed.publicAddress!)));
    assert.ok(!(await hasTable("pub3")));
    const again = await provider.provision({
      instanceId: "pub4",
      volumeSizeGb: 1,
      ramMb: 64,
      vcpus: 1,
      isPublic: true,
      ports: [5432],
    });
    assert.equal(again.publicAddress, placed.publicAddress, "the freed address is leased again");
    await provider.destroy("pub4");
  });

  test("a host without a public pool places a public instance at its own address, with no filter", async () => {
    const plain = createLocalProvider({
      rootDir: join(dir, "plain"),
      addressPool: randomPool(),
      cgroupParent,
      volumeMode: "directory",
      logger: silentLogger(),
    });
    assert.equal((await plain.probe()).publicAddresses, false);
    const spec = { instanceId: "nopub", volumeSizeGb: 1, ramMb: 64, vcpus: 1, isPublic: true, ports: [5432] };
    const placed = await plain.provision(spec);
    assert.equal(placed.isPublic, true);
    assert.equal(placed.publicAddress, undefined, "no public address: the host has none to give");
    assert.equal(await hasTable("nopub"), false);
    const privateAgain = await plain.setAccess("nopub", { isPublic: false, allowedCidrs: [], ports: [5432] });
    assert.deepEqual([privateAgain.isPublic, privateAgain.publicAddress], [false, undefined]);
    const publicAgain = await plain.setAccess("nopub", { isPublic: true, allowedCidrs: [], ports: [5432] });
    assert.deepEqual([publicAgain.isPublic, publicAgain.address], [true, placed.address]);
    await plain.destroy("nopub");
    await cleanupLocalRoot(join(dir, "plain"), cgroupParent);
  });

  test("a host whose configured pool cannot work refuses public instances and changes nothing", async () => {
    const broken = createLocalProvider({
      rootDir: join(dir, "broken"),
      addressPool: randomPool(),
      cgroupParent,
      volumeMode: "directory",
      publicAddressPool: net.publicPool,
      publicInterface: "cfpno-such0",
      logger: silentLogger(),
    });
    assert.equal((await broken.probe()).publicAddresses, false);
    const spec = { instanceId: "nopub2", volumeSizeGb: 1, ramMb: 64, vcpus: 1, isPublic: true };
    await assert.rejects(broken.provision(spec), code("PUBLIC_ADDRESSES_UNAVAILABLE"));
    assert.deepEqual(await broken.list(), []);
    await cleanupLocalRoot(join(dir, "broken"), cgroupParent);
  });

  test("CIDRs and ports reach nft only when they are what they claim to be", async () => {
    await assert.rejects(
      provider.setAccess("pub1", { isPublic: true, allowedCidrs: ["10.0.0.0/8 } accept; #"], ports: [5432] }),
      code("INVALID_CIDR"),
    );
    await assert.rejects(
      provider.setAccess("pub1", { isPublic: true, allowedCidrs: [], ports: [70000] }),
      code("INVALID_PORT"),
    );
  });
});
