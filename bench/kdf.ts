/**
 * Cost of one key-derivation iteration (one hash-sized block) for each KDF a PKCS#12 file or a Java keystore
 * may ask for, and the time to open the heaviest PKCS#12 the caps permit: `node dist/bench/kdf.js`. The
 * file-wide budget in src/x509/containers/pkcs12.ts is set from these figures (docs/decode.md, "Key
 * derivation"). Best of five runs each, since the machine is shared.
 */
import { pbkdf2Sync } from "node:crypto";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { iterateHash } from "../src/x509/containers/iterated-hash.js";
import { readPkcs12 } from "../src/x509/containers/pkcs12.js";
import { bmpPassword, Pkcs12KeyId, pkcs12Kdf } from "../src/x509/containers/pkcs12-kdf.js";
import { writePkcs12 } from "../src/x509/write/pkcs12.js";

const N = 200_000;
const salt = new Uint8Array(8).fill(7);

function best(label: string, iterations: number, run: () => void): void {
  let ns = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    run();
    ns = Math.min(ns, Number(process.hrtime.bigint() - t0) / iterations);
  }
  console.log(`${label.padEnd(34)} ${ns.toFixed(0).padStart(6)} ns per iteration`);
}

for (const hash of ["sha1", "sha256", "sha512"]) {
  best(`PKCS#12 KDF, ${hash}`, N, () => pkcs12Kdf(hash, bmpPassword("pw"), salt, N, Pkcs12KeyId.Mac, 8));
}
best("JCEKS PBE, one MD5 round", N, () => iterateHash("md5", salt.subarray(0, 4), bmpPassword("pw"), N));
for (const hash of ["sha1", "sha256", "sha512"]) {
  best(`PBKDF2 (native), ${hash}`, N, () => pbkdf2Sync("pw", salt, N, 8, hash));
}

const key = generateKeyPair("ec-p256");
const cert = buildCertificate({
  subject: "CN=bench",
  publicKey: key,
  notBefore: new Date(Date.now() - 86_400_000),
  notAfter: new Date(Date.now() + 86_400_000),
});
const pkcs8 = new Uint8Array(key.privateKey.export({ format: "der", type: "pkcs8" }));
const heaviest = writePkcs12({ keys: [{ pkcs8, chain: [cert.der] }] }, "pw", {
  iterations: 600_000,
  macIterations: 1_000_000,
});
const cpu0 = process.cpuUsage();
const t0 = Date.now();
readPkcs12(heaviest, "pw");
const cpu = process.cpuUsage(cpu0);
console.log(
  `heaviest permitted PKCS#12 (MAC 1,000,000; PBKDF2 600,000 x 2): ${Date.now() - t0} ms, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`,
);
