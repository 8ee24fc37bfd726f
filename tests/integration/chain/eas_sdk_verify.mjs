// The EAS SDK's own view of off-chain attestations, for certflow's cross-check tests.
//
// Reads one JSON request from stdin and prints one JSON answer:
//   {"command": "verify", "eas", "chainId", "version", "attester", "packages": [...]}
//     -> [{"valid", "uid", "error", "encoded", "url", "fromEncoded"}] one per package:
//        the SDK's verifyOffchainAttestationSignature with a verifier built for
//        the expected EAS deployment and attester (not read from the package,
//        so a tampered domain fails), the SDK's getOffchainUID of the message,
//        its share-link encoding, and the verdict on certflow's own encoding
//        decoded with the SDK (fromEncoded, when "encoded" is given).
//   {"command": "sign", "key", "eas", "chainId", "version", "params": {...}}
//     -> the {sig, signer} package the SDK signs with that key, plus its
//        share-link encoding.
// Bigints are written as decimal strings, as the SDK's own serializer does.
import { createRequire } from 'node:module';

// The SDK's CommonJS build: its ESM build imports lodash by named export,
// which Node's ESM loader refuses for a CommonJS package.
const require = createRequire(import.meta.url);
const {
  Offchain,
  OffchainAttestationVersion,
  createOffchainURL,
  decodeBase64ZippedBase64,
  zipAndEncodeToBase64
} = require('@ethereum-attestation-service/eas-sdk');
const { Wallet } = require('ethers');

const replacer = (_key, value) => (typeof value === 'bigint' ? value.toString() : value);

function offchainFor(request) {
  const config = { address: request.eas, version: request.version, chainId: BigInt(request.chainId) };
  return new Offchain(config, OffchainAttestationVersion.Version2, undefined);
}

function verdict(offchain, attester, pkg) {
  try {
    return { valid: offchain.verifyOffchainAttestationSignature(attester, pkg.sig) };
  } catch (error) {
    return { valid: false, error: String(error) };
  }
}

function check(offchain, request, entry) {
  const pkg = entry.package;
  const { message } = pkg.sig;
  const answer = verdict(offchain, request.attester, pkg);
  try {
    answer.uid = Offchain.getOffchainUID(
      message.version, message.schema, message.recipient, BigInt(message.time),
      BigInt(message.expirationTime), message.revocable, message.refUID, message.data, message.salt
    );
  } catch (error) {
    answer.uid = null;
    answer.error = String(error);
  }
  answer.encoded = zipAndEncodeToBase64(pkg);
  answer.url = createOffchainURL(pkg);
  if (entry.encoded) {
    const decoded = decodeBase64ZippedBase64(entry.encoded);
    answer.fromEncoded = verdict(offchain, request.attester, decoded).valid;
  }
  return answer;
}

async function sign(request) {
  const wallet = new Wallet(request.key);
  const p = request.params;
  const params = {
    schema: p.schema,
    recipient: p.recipient,
    time: BigInt(p.time),
    expirationTime: BigInt(p.expirationTime),
    revocable: p.revocable,
    refUID: p.refUID,
    data: p.data
  };
  if (p.salt) params.salt = p.salt;
  const sig = await offchainFor(request).signOffchainAttestation(params, wallet);
  const pkg = { sig, signer: wallet.address };
  return { package: pkg, encoded: zipAndEncodeToBase64(pkg) };
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  let answer;
  if (request.command === 'verify') {
    const offchain = offchainFor(request);
    answer = request.packages.map((entry) => check(offchain, request, entry));
  } else if (request.command === 'sign') {
    answer = await sign(request);
  } else {
    throw new Error(`unknown command ${request.command}`);
  }
  process.stdout.write(JSON.stringify(answer, replacer));
}

await main();
