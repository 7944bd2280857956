import { test } from "node:test";
import assert from "node:assert/strict";
import { isIpv4Cidr } from "./cidr.js";

test("IPv4 CIDRs are dotted decimal with a prefix from 0 to 32, nothing around them", () => {
  for (const good of ["0.0.0.0/0", "198.51.100.0/24", "10.1.2.3/32", "255.255.255.255/32"]) {
    assert.ok(isIpv4Cidr(good), good);
  }
  for (const bad of [
    "198.51.100.0",
    "198.51.100.0/33",
    "198.51.100.256/24",
    "01.2.3.4/8",
    "1.2.3/8",
    " 1.2.3.4/8",
    "1.2.3.4/8 ",
    "1.2.3.4/8; drop",
    "1.2.3.4/8\n",
    "::1/128",
    7,
  ]) {
    assert.ok(!isIpv4Cidr(bad), String(bad));
  }
});
